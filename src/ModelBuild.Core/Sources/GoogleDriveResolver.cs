using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Downloads <c>gdrive:</c> sources with the HTTP engine from Drive's download URL, confirming Drive's
/// interstitial page (<see cref="GoogleDriveInterstitial"/>) when it shows one.
/// </summary>
internal sealed class GoogleDriveResolver(
    CachedHttpDownload downloads,
    Func<string, string?> environment) : SourceResolver<GoogleDriveSource>
{
    /// <summary>Moves Drive's download endpoint (a mirror, a test server).</summary>
    public const string EndpointVariable = "MODELBUILD_GOOGLE_DRIVE_ENDPOINT";

    private const string DefaultEndpoint = "https://docs.google.com";

    protected override Task<FetchedContent> FetchAsync(GoogleDriveSource source, FetchRequest request, CancellationToken cancellationToken)
    {
        var endpointText = environment(EndpointVariable) is { Length: > 0 } configured ? configured : DefaultEndpoint;
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint)
            || (endpoint.Scheme != Uri.UriSchemeHttps && !(endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback)))
        {
            throw new DiagnosticException(
                SourceDiagnostics.InvalidGoogleDriveEndpoint.Create(request.At, EndpointVariable, UrlRedactor.Redact(endpointText)));
        }

        var uri = source.DownloadUri(endpoint);
        var download = new HttpDownloadRequest(uri, null, source.DisplayText, uri.AbsoluteUri)
        {
            Interstitial = GoogleDriveInterstitial.Instance
        };
        return downloads.DownloadAsync(download, source, request, cancellationToken);
    }
}
