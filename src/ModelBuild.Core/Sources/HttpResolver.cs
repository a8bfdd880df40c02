using System.Net.Http.Headers;
using System.Text;

namespace ModelBuild.Core.Sources;

/// <summary>Downloads an http(s) source with the HTTP engine, straight into the content store.</summary>
internal sealed class HttpResolver(CachedHttpDownload downloads) : SourceResolver<HttpSource>
{
    protected override Task<FetchedContent> FetchAsync(HttpSource source, FetchRequest request, CancellationToken cancellationToken)
    {
        var (uri, authorization) = SplitCredentials(source.Uri);

        // The identity names the partial file: the full URL (hashed), so sources differing only in a token never share one.
        return downloads.DownloadAsync(
            new HttpDownloadRequest(uri, authorization, source.DisplayText, source.Uri.AbsoluteUri, source.AllowInsecure),
            source,
            request,
            cancellationToken);
    }

    /// <summary>The URL without user information, and that information as a Basic authorization header.</summary>
    internal static (Uri Uri, AuthenticationHeaderValue? Authorization) SplitCredentials(Uri uri)
    {
        if (string.IsNullOrEmpty(uri.UserInfo))
        {
            return (uri, null);
        }

        var withoutUser = new UriBuilder(uri) { UserName = "", Password = "" }.Uri;
        var credentials = Encoding.UTF8.GetBytes(Uri.UnescapeDataString(uri.UserInfo));
        return (withoutUser, new AuthenticationHeaderValue("Basic", Convert.ToBase64String(credentials)));
    }
}
