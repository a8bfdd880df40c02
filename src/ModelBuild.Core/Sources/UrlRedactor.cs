using System.Text.RegularExpressions;

namespace ModelBuild.Core.Sources;

/// <summary>
/// The one place that makes URLs safe to print: in every URL of a text the user information
/// (<c>https://user:pass@host</c>) becomes <c>***@</c>, every query value and the fragment become
/// <c>***</c> (parameter names stay, so a reader can tell which URL it was); outside URLs, values of
/// parameters named like credentials (<c>token=</c>, <c>password=</c>…) are masked too. Messages, logs,
/// reports, lock files and cache keys all go through it (see docs/security.md).
/// </summary>
public static partial class UrlRedactor
{
    /// <summary>What stands in for a removed secret.</summary>
    public const string Mask = "***";

    // A URL runs until white space, a quote or a bracket that cannot be part of it in a message.
    [GeneratedRegex(@"\b(?<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?<rest>[^\s'""<>()\[\]{}|\\^`]+)")]
    private static partial Regex Url();

    // A parameter whose name mentions a credential, with its value unless that is already the mask.
    private const string SecretParameterPattern =
        @"(?<lead>[?&;\s]|^)" +
        @"(?<name>[^=&#;\s]*(?:token|key|secret|passw|pwd|sig|credential|auth|session|code)[^=&#;\s]*)" +
        @"=(?!\*\*\*)[^&#;\s]*";

    [GeneratedRegex(SecretParameterPattern, RegexOptions.IgnoreCase)]
    private static partial Regex SecretParameter();

    /// <summary>The URL with its user information, query values and fragment masked.</summary>
    public static string Redact(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return Redact(uri.IsAbsoluteUri ? uri.AbsoluteUri : uri.OriginalString);
    }

    /// <summary>Any text (a URL, an error message with URLs in it) with every URL's secrets masked.</summary>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var urlsMasked = Url().Replace(text, m => m.Groups["scheme"].Value + "://" + MaskUrlRest(m.Groups["rest"].Value));
        return SecretParameter().Replace(urlsMasked, m => m.Groups["lead"].Value + m.Groups["name"].Value + "=" + Mask);
    }

    /// <summary>True when the URL carries a password in its user information (<c>scheme://user:password@host</c>).</summary>
    public static bool HasPassword(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Url().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var authority = Authority(match.Groups["rest"].Value);
        var at = authority.LastIndexOf('@');
        return at > 0 && authority.AsSpan(0, at).Contains(':');
    }

    /// <summary>Everything after <c>scheme://</c>: authority, path, query and fragment, each made safe.</summary>
    private static string MaskUrlRest(string rest)
    {
        var authority = Authority(rest);
        var at = authority.LastIndexOf('@');
        var shown = at >= 0 ? Mask + authority[at..] : authority;
        var tail = rest[authority.Length..];
        var fragmentStart = tail.IndexOf('#', StringComparison.Ordinal);
        var fragment = fragmentStart >= 0 ? tail[fragmentStart..] : string.Empty;
        var beforeFragment = fragmentStart >= 0 ? tail[..fragmentStart] : tail;
        var queryStart = beforeFragment.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart >= 0 ? beforeFragment[..queryStart] : beforeFragment;
        var query = queryStart >= 0 ? "?" + MaskQuery(beforeFragment[(queryStart + 1)..]) : string.Empty;
        return shown + path + query + (fragment.Length > 1 ? "#" + Mask : fragment);
    }

    private static string Authority(string rest)
    {
        var end = rest.IndexOfAny(['/', '?', '#']);
        return end >= 0 ? rest[..end] : rest;
    }

    private static string MaskQuery(string query) =>
        string.Join('&', query.Split('&').Select(parameter => parameter.Length == 0 ? parameter
            : parameter.IndexOf('=', StringComparison.Ordinal) is var equals and >= 0 ? parameter[..(equals + 1)] + Mask
            : Mask));
}
