using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Downloads <c>s3://</c> sources: AWSSDK.S3 signs a short-lived GET URL with the standard
/// credential chain (SigV4, query-string form), and the HTTP engine fetches it — so S3 objects get
/// the same retries, resume and progress as any URL. The signed URL is never printed, and the
/// partial file is named after the <c>s3://</c> address, so a resume survives a new signature.
/// </summary>
internal sealed class S3Resolver(CachedHttpDownload downloads, Func<string, string?> environment) : SourceResolver<S3Source>
{
    // Long enough for a large object over a slow link, with retries; the URL never leaves the process.
    private static readonly TimeSpan SignedUrlLifetime = TimeSpan.FromHours(6);

    protected override async Task<FetchedContent> FetchAsync(S3Source source, FetchRequest request, CancellationToken cancellationToken)
    {
        if (request.Offline)
        {
            throw request.OfflineMiss(source);
        }

        var url = SignedUrl(source, request.At);
        return await downloads.DownloadAsync(
            new HttpDownloadRequest(url, null, source.DisplayText, source.DisplayText, AllowInsecureHttp: url.IsLoopback),
            source,
            request,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The signed GET URL of the object, from the environment's credentials, region and endpoint.</summary>
    internal Uri SignedUrl(S3Source source, SourceLocation? at)
    {
        var endpoint = environment("AWS_ENDPOINT_URL_S3") is { Length: > 0 } s3Endpoint ? s3Endpoint : environment("AWS_ENDPOINT_URL");
        var region = environment("AWS_REGION") is { Length: > 0 } r
            ? r
            : environment("AWS_DEFAULT_REGION") is { Length: > 0 } d ? d : "us-east-1";
        var config = new AmazonS3Config { RegionEndpoint = RegionEndpoint.GetBySystemName(region) };
        var protocol = Protocol.HTTPS;
        if (!string.IsNullOrEmpty(endpoint))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var endpointUri) || endpointUri.Scheme is not ("http" or "https"))
            {
                throw new DiagnosticException(SourceDiagnostics.S3Unavailable
                    .Create(at, source.DisplayText, $"the endpoint '{UrlRedactor.Redact(endpoint)}' is not an http(s) URL"));
            }

            // S3-compatible stores are addressed by path (host/bucket/key), not by virtual host.
            config.ServiceURL = endpointUri.AbsoluteUri;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region;
            protocol = endpointUri.Scheme == Uri.UriSchemeHttp ? Protocol.HTTP : Protocol.HTTPS;
        }

        try
        {
            using var client = Credentials() is { } credentials ? new AmazonS3Client(credentials, config) : new AmazonS3Client(config);
            var signed = client.GetPreSignedURL(new GetPreSignedUrlRequest
            {
                BucketName = source.Bucket,
                Key = source.Key,
                Verb = HttpVerb.GET,
                Protocol = protocol,
                Expires = DateTime.UtcNow.Add(SignedUrlLifetime),
            });
            return new Uri(signed);
        }
        catch (AmazonClientException e)
        {
            throw new DiagnosticException(SourceDiagnostics.S3Unavailable.Create(at, source.DisplayText, UrlRedactor.Redact(e.Message)), e);
        }
    }

    /// <summary>Keys from the environment this fetcher reads; null to let the SDK walk its own chain (profiles, roles).</summary>
    private AWSCredentials? Credentials()
    {
        var keyId = environment("AWS_ACCESS_KEY_ID");
        var secret = environment("AWS_SECRET_ACCESS_KEY");
        if (string.IsNullOrEmpty(keyId) || string.IsNullOrEmpty(secret))
        {
            return null;
        }

        return environment("AWS_SESSION_TOKEN") is { Length: > 0 } token
            ? new SessionAWSCredentials(keyId, secret, token)
            : new BasicAWSCredentials(keyId, secret);
    }
}
