using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace ModelBuild.Core.Sources;

/// <summary>A page a server may answer with instead of the file, which a confirmation turns into the file.</summary>
internal interface IDownloadInterstitial
{
    /// <summary>Where the confirmed download is, or null when <paramref name="page"/> offers no confirmation.</summary>
    /// <param name="pageUri">The URL that answered with the page (after redirects): relative links resolve against it.</param>
    /// <param name="setCookies">The page's <c>Set-Cookie</c> header values.</param>
    /// <param name="page">The page's HTML.</param>
    InterstitialConfirmation? Confirm(Uri pageUri, IEnumerable<string> setCookies, string page);

    /// <summary>Why a page that offers no confirmation is not the file, for the error.</summary>
    string Explain(string page);
}

/// <summary>The confirmed download: its URL, and the cookie to send with it (if the page set one).</summary>
internal sealed record InterstitialConfirmation(Uri Next, string? Cookie);

/// <summary>
/// Google Drive's "can't scan this file for viruses" page, in the three forms Drive has used: a
/// <c>download_warning…</c> cookie whose value is sent back as <c>confirm=</c> (what Open Model Zoo's
/// downloader handles), a link whose query has <c>confirm=</c>, and a <c>download-form</c> form whose
/// hidden fields (<c>id</c>, <c>export</c>, <c>confirm</c>, <c>uuid</c>) make the download URL.
/// </summary>
internal sealed partial class GoogleDriveInterstitial : IDownloadInterstitial
{
    public static GoogleDriveInterstitial Instance { get; } = new();

    private GoogleDriveInterstitial()
    {
    }

    [GeneratedRegex(@"<form\b(?<attributes>[^>]*)>(?<body>.*?)</form>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex FormPattern();

    [GeneratedRegex(@"<input\b(?<attributes>[^>]*)>", RegexOptions.IgnoreCase)]
    private static partial Regex InputPattern();

    [GeneratedRegex(@"(?<name>[A-Za-z_:][\w:.\-]*)\s*=\s*(?:""(?<value>[^""]*)""|'(?<value>[^']*)'|(?<value>[^\s""'>]+))")]
    private static partial Regex AttributePattern();

    [GeneratedRegex(@"href\s*=\s*""(?<link>[^""]*[?&](?:amp;)?confirm=[^""]*)""", RegexOptions.IgnoreCase)]
    private static partial Regex ConfirmLinkPattern();

    [GeneratedRegex(@"<title>(?<title>.*?)</title>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex TitlePattern();

    public InterstitialConfirmation? Confirm(Uri pageUri, IEnumerable<string> setCookies, string page)
    {
        ArgumentNullException.ThrowIfNull(pageUri);
        ArgumentNullException.ThrowIfNull(setCookies);
        ArgumentNullException.ThrowIfNull(page);
        foreach (var header in setCookies)
        {
            var pair = header.Split(';', 2)[0];
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals].Trim().StartsWith("download_warning", StringComparison.Ordinal))
            {
                var value = pair[(equals + 1)..].Trim();
                return new InterstitialConfirmation(WithQuery(pageUri, "confirm", value), pair.Trim());
            }
        }

        foreach (Match form in FormPattern().Matches(page))
        {
            var attributes = Attributes(form.Groups["attributes"].Value);
            var isDownloadForm = attributes.GetValueOrDefault("id") == "download-form"
                || attributes.GetValueOrDefault("action")?.Contains("download", StringComparison.OrdinalIgnoreCase) == true;
            if (!isDownloadForm || !attributes.TryGetValue("action", out var action) || !Uri.TryCreate(pageUri, action, out var target))
            {
                continue;
            }

            var fields = InputPattern().Matches(form.Groups["body"].Value)
                .Select(input => Attributes(input.Groups["attributes"].Value))
                .Where(input => input.GetValueOrDefault("type")?.Equals("hidden", StringComparison.OrdinalIgnoreCase) == true
                    && input.ContainsKey("name"))
                .Select(input => (Name: input["name"], Value: input.GetValueOrDefault("value") ?? ""))
                .ToList();
            if (fields.Count > 0)
            {
                var query = string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Name) + "=" + Uri.EscapeDataString(f.Value)));
                return new InterstitialConfirmation(new UriBuilder(target) { Query = query }.Uri, null);
            }
        }

        return ConfirmLinkPattern().Match(page) is { Success: true } link
            && Uri.TryCreate(pageUri, WebUtility.HtmlDecode(link.Groups["link"].Value), out var next)
            ? new InterstitialConfirmation(next, null)
            : null;
    }

    public string Explain(string page)
    {
        var title = TitlePattern().Match(page) is { Success: true } match
            ? Regex.Replace(WebUtility.HtmlDecode(match.Groups["title"].Value), @"\s+", " ").Trim()
            : "";
        var quoted = title.Length == 0 ? "a web page" : $"a web page titled '{(title.Length > 120 ? title[..120] + "…" : title)}'";
        return $"Google Drive answered with {quoted} instead of the file and offered no download; the file may not be shared publicly, " +
            $"may have been removed, or may be over its download quota (try again later, or host it elsewhere)";
    }

    private static Dictionary<string, string> Attributes(string text) =>
        AttributePattern().Matches(text)
            .GroupBy(m => m.Groups["name"].Value.ToLowerInvariant())
            .ToDictionary(g => g.Key, g => WebUtility.HtmlDecode(g.First().Groups["value"].Value));

    private static Uri WithQuery(Uri uri, string name, string value)
    {
        var kept = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.StartsWith(name + "=", StringComparison.Ordinal));
        var query = new StringBuilder(string.Join('&', kept));
        query.Append(query.Length > 0 ? "&" : "").Append(name).Append('=').Append(Uri.EscapeDataString(value));
        return new UriBuilder(uri) { Query = query.ToString() }.Uri;
    }
}
