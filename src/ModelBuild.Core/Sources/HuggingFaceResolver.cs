using System.Net.Http.Headers;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Downloads <c>hf:</c> sources with the HTTP engine from the hub's resolve URL. The token goes to
/// the hub only: its redirect to a content server on another host drops it, as the engine does
/// for every cross-origin redirect.
/// </summary>
internal sealed class HuggingFaceResolver(
    CachedHttpDownload downloads,
    Func<string, string?> environment) : SourceResolver<HuggingFaceSource>
{
    /// <summary>Moves the hub (a mirror, an enterprise hub, a test server).</summary>
    public const string EndpointVariable = "HF_ENDPOINT";

    /// <summary>The access token for gated and private repositories.</summary>
    public const string TokenVariable = "HF_TOKEN";

    private const string DefaultEndpoint = "https://huggingface.co";

    protected override async Task<FetchedContent> FetchAsync(
        HuggingFaceSource source,
        FetchRequest request,
        CancellationToken cancellationToken)
    {
        var endpointText = environment(EndpointVariable) is { Length: > 0 } configured ? configured : DefaultEndpoint;
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint)
            || (endpoint.Scheme != Uri.UriSchemeHttps && !(endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback)))
        {
            throw new DiagnosticException(
                SourceDiagnostics.InvalidHuggingFaceEndpoint.Create(request.At, UrlRedactor.Redact(endpointText)));
        }

        var token = environment(TokenVariable);
        var authorization = string.IsNullOrWhiteSpace(token) ? null : new AuthenticationHeaderValue("Bearer", token.Trim());
        var uri = source.ResolveUri(endpoint);
        try
        {
            return await downloads.DownloadAsync(
                new HttpDownloadRequest(uri, authorization, source.DisplayText, uri.AbsoluteUri),
                source,
                request,
                cancellationToken).ConfigureAwait(false);
        }
        catch (DiagnosticException e) when (e.Diagnostic.Code == SourceDiagnostics.HttpStatus.Code
            && (e.Diagnostic.Message.Contains("HTTP 401", StringComparison.Ordinal)
                || e.Diagnostic.Message.Contains("HTTP 403", StringComparison.Ordinal)))
        {
            throw new DiagnosticException(SourceDiagnostics.HuggingFaceAccessDenied.Create(
                request.At,
                source.DisplayText,
                authorization is null ? "HF_TOKEN is not set" : "the HF_TOKEN given was refused"), e);
        }
    }
}
