using System.Net;

namespace ModelBuild.Core.Sources;

/// <summary>
/// The proxy the environment names, as curl and most tools read it: <c>https_proxy</c> for https
/// URLs, <c>http_proxy</c> for http ones (lower case first, then upper case), <c>all_proxy</c> for
/// both, and <c>no_proxy</c> — a comma-separated list of host names, domain suffixes
/// (<c>.corp</c> or <c>corp</c> both match <c>x.corp</c>), IP addresses, optional <c>:port</c>, or
/// <c>*</c> for no proxy at all. Loopback addresses never go through a proxy.
/// </summary>
public sealed class EnvironmentProxy : IWebProxy
{
    private readonly Uri? _httpsProxy;
    private readonly Uri? _httpProxy;
    private readonly IReadOnlyList<(string Host, int? Port)> _bypass;
    private readonly bool _bypassAll;

    private EnvironmentProxy(Uri? httpsProxy, Uri? httpProxy, IReadOnlyList<(string Host, int? Port)> bypass, bool bypassAll)
    {
        _httpsProxy = httpsProxy;
        _httpProxy = httpProxy;
        _bypass = bypass;
        _bypassAll = bypassAll;
        Credentials = (httpsProxy ?? httpProxy) is { UserInfo.Length: > 0 } withUser ? CredentialsOf(withUser) : null;
    }

    public ICredentials? Credentials { get; set; }

    /// <summary>True when any proxy is configured.</summary>
    public bool IsConfigured => _httpsProxy is not null || _httpProxy is not null;

    /// <summary>Reads the process environment.</summary>
    public static EnvironmentProxy FromEnvironment() => FromVariables(Environment.GetEnvironmentVariable);

    /// <summary>Reads the variables through <paramref name="lookup"/> (tests pass their own).</summary>
    public static EnvironmentProxy FromVariables(Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        string? Read(string name)
            => lookup(name) is { Length: > 0 } lower ? lower : lookup(name.ToUpperInvariant()) is { Length: > 0 } upper ? upper : null;

        var all = ParseProxy(Read("all_proxy"));
        var https = ParseProxy(Read("https_proxy")) ?? all;
        var http = ParseProxy(Read("http_proxy")) ?? all;
        var noProxy = Read("no_proxy") ?? "";
        var entries = noProxy.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var bypassAll = entries.Contains("*");
        var bypass = entries.Where(e => e != "*").Select(ParseBypass).ToList();
        return new EnvironmentProxy(https, http, bypass, bypassAll);
    }

    public Uri? GetProxy(Uri destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (IsBypassed(destination))
        {
            return null;
        }

        return destination.Scheme == Uri.UriSchemeHttps ? _httpsProxy : _httpProxy;
    }

    public bool IsBypassed(Uri host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host.IsLoopback || _bypassAll)
        {
            return true;
        }

        var name = host.IdnHost.Trim('[', ']').TrimEnd('.');
        foreach (var (pattern, port) in _bypass)
        {
            if (port is { } p && p != host.Port)
            {
                continue;
            }

            if (string.Equals(name, pattern, StringComparison.OrdinalIgnoreCase)
                || name.EndsWith("." + pattern, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static Uri? ParseProxy(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        // "proxy:3128" without a scheme means http, as curl reads it.
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        return Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;
    }

    private static (string Host, int? Port) ParseBypass(string entry)
    {
        var text = entry.TrimStart('*').TrimStart('.');
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            var port = close >= 0 && close + 1 < text.Length && text[close + 1] == ':' && int.TryParse(text[(close + 2)..], out var p)
                ? p
                : (int?)null;
            return (close > 0 ? text[1..close] : text, port);
        }

        var colon = text.LastIndexOf(':');
        if (colon > 0 && text.IndexOf(':', StringComparison.Ordinal) == colon && int.TryParse(text[(colon + 1)..], out var hostPort))
        {
            return (text[..colon].TrimEnd('.'), hostPort);
        }

        return (text.TrimEnd('.'), null);
    }

    private static NetworkCredential CredentialsOf(Uri proxy)
    {
        var parts = proxy.UserInfo.Split(':', 2);
        return new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
    }
}
