using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// An object in S3 or an S3-compatible store: <c>s3://bucket/key</c>. Credentials and region come
/// from AWS's standard chain (environment, profile, instance role); <c>AWS_ENDPOINT_URL_S3</c> or
/// <c>AWS_ENDPOINT_URL</c> points it at another store (MinIO, Ceph, a test server).
/// </summary>
public sealed record S3Source : SourceReference
{
    internal S3Source(string bucket, string key)
    {
        Bucket = bucket;
        Key = key;
    }

    public string Bucket { get; }

    public string Key { get; }

    public override string DisplayText => $"s3://{Bucket}/{Key}";

    internal override bool IsLocal => false;

    internal override string? Host => Bucket;

    internal static SourceReference ParseScheme(string text, string baseDirectory, SourceLocation? at, bool allowInsecure)
    {
        if (!text.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid(text, at, "expected s3://bucket/key");
        }

        var rest = text["s3://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1)
        {
            throw Invalid(text, at, "expected s3://bucket/key, with both a bucket and a key");
        }

        var bucket = rest[..slash];
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-'))
        {
            throw Invalid(text, at, $"'{bucket}' is not a bucket name (3-63 lowercase letters, digits, '.' and '-')");
        }

        return new S3Source(bucket, rest[(slash + 1)..]);
    }

    private static DiagnosticException Invalid(string text, SourceLocation? at, string reason) =>
        new(SourceDiagnostics.InvalidS3Source.Create(at, UrlRedactor.Redact(text), reason));
}
