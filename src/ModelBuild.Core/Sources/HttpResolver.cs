using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Downloads an http(s) source straight into the content store, hashing while it streams: content
/// that does not match its pin never enters the cache.
/// </summary>
internal sealed class HttpResolver(ContentStore content, HttpClient http) : SourceResolver<HttpSource>
{
    protected override async Task<FetchedContent> FetchAsync(HttpSource source, FetchRequest request, CancellationToken cancellationToken)
    {
        using var message = CreateRequest(source.Uri);
        PutAttempt attempt;
        try
        {
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new DiagnosticException(SourceDiagnostics.HttpStatus.Create(request.At, source.DisplayText, (int)response.StatusCode, response.ReasonPhrase ?? response.StatusCode.ToString()));
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                attempt = await content.TryPutAsync(body, request.ExpectedDigest, request.ExpectedSize, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpRequestException or HttpIOException)
        {
            throw new DiagnosticException(SourceDiagnostics.DownloadFailed.Create(request.At, source.DisplayText, UrlRedactor.Redact(e.Message)), e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DiagnosticException(SourceDiagnostics.DownloadFailed.Create(request.At, source.DisplayText, string.Create(CultureInfo.InvariantCulture, $"no answer within {http.Timeout.TotalSeconds:0} s")), e);
        }

        return attempt.Matched
            ? new FetchedContent(attempt.Actual.Digest, attempt.Actual.Size, null)
            : throw request.Mismatch(source, attempt.Actual);
    }

    /// <summary>A GET for <paramref name="uri"/>; credentials in the URL become a Basic authorization header.</summary>
    private static HttpRequestMessage CreateRequest(Uri uri)
    {
        if (string.IsNullOrEmpty(uri.UserInfo))
        {
            return new HttpRequestMessage(HttpMethod.Get, uri);
        }

        var withoutUser = new UriBuilder(uri) { UserName = "", Password = "" }.Uri;
        var message = new HttpRequestMessage(HttpMethod.Get, withoutUser);
        var credentials = Encoding.UTF8.GetBytes(Uri.UnescapeDataString(uri.UserInfo));
        message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(credentials));
        return message;
    }
}
