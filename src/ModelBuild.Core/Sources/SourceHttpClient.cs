using System.Net;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Builds the <see cref="HttpClient"/> the HTTP engine needs: redirects off (the engine follows
/// them itself, checking each hop), no automatic decompression (bytes are hashed as sent), the
/// connect timeout of the options, the proxy from the environment, and no overall timeout (the
/// engine's read-idle timeout decides when a transfer is dead, so big files can take their time),
/// and no cookie jar (a cookie one source sets must never reach another; the engine sends the one
/// cookie an interstitial page asks for itself).
/// </summary>
public static class SourceHttpClient
{
    /// <summary>The handler, for callers that adjust it (a test's certificate check) before wrapping it.</summary>
    public static SocketsHttpHandler CreateHandler(HttpDownloadOptions options, IWebProxy? proxy = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.ConnectTimeout,
            Proxy = proxy ?? EnvironmentProxy.FromEnvironment(),
            UseProxy = true,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
    }

    public static HttpClient Create(HttpDownloadOptions options, IWebProxy? proxy = null) => Wrap(CreateHandler(options, proxy));

    /// <summary>A client over <paramref name="handler"/> with the engine's settings.</summary>
    public static HttpClient Wrap(HttpMessageHandler handler)
    {
        var client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent
            .ParseAdd("ModelBuild/" + (typeof(SourceHttpClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
        return client;
    }
}
