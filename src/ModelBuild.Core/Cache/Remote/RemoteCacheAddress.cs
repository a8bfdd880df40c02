using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Cache.Remote;

/// <summary>The protocol a remote cache speaks.</summary>
public enum RemoteCacheKind
{
    /// <summary>Bazel's remote cache HTTP protocol: <c>GET/PUT/HEAD {prefix}/cas/&lt;sha256&gt;</c> and
    /// <c>{prefix}/ac/&lt;key&gt;</c>.</summary>
    Http,

    /// <summary>A Redis server through <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/>.</summary>
    Redis,
}

/// <summary>
/// Where the remote tier is: <c>http(s)://host[:port]/prefix</c> or <c>redis://host[:port][/database]</c>
/// (<c>rediss://</c> for TLS).
/// Credentials may be written in the address but are better kept in the environment
/// (<see cref="RemoteCacheCredentials"/>); <see cref="DisplayText"/> never shows them.
/// </summary>
public sealed record RemoteCacheAddress(RemoteCacheKind Kind, Uri Uri)
{
    /// <summary>The default Redis port.</summary>
    public const int DefaultRedisPort = 6379;

    /// <summary>The address with user information and query masked (<see cref="UrlRedactor"/>): safe to print.</summary>
    public string DisplayText => UrlRedactor.Redact(Uri).TrimEnd('/');

    /// <summary>True when the address itself carries a password (<c>redis://user:password@host</c>), which then shows in build
    /// logs.</summary>
    public bool HasPassword => UrlRedactor.HasPassword(Uri.OriginalString);

    /// <summary>The Redis database number (the path, <c>/2</c>); 0 when none is given.</summary>
    public int RedisDatabase
        => int.TryParse(Uri.AbsolutePath.Trim('/'), NumberStyles.None, CultureInfo.InvariantCulture, out var database) ? database : 0;

    public override string ToString() => DisplayText;

    /// <summary>Parses an address; false with a reason (fit to print: it never repeats credentials) otherwise.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out RemoteCacheAddress? address, [NotNullWhen(false)] out string? reason)
    {
        address = null;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            reason = "it is not an absolute URL with a host";
            return false;
        }

        switch (uri.Scheme)
        {
            case "http" or "https":
                if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
                {
                    reason = "a query or fragment has no meaning for the HTTP cache protocol";
                    return false;
                }

                address = new RemoteCacheAddress(RemoteCacheKind.Http, uri);
                reason = null;
                return true;
            case "redis" or "rediss":
                var path = uri.AbsolutePath.Trim('/');
                if (path.Length > 0 && !int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    reason = $"the path of a redis:// address is a database number, not '{path}'";
                    return false;
                }

                address = new RemoteCacheAddress(RemoteCacheKind.Redis, uri);
                reason = null;
                return true;
            default:
                reason = $"the scheme '{uri.Scheme}:' is not a remote cache protocol";
                return false;
        }
    }
}
