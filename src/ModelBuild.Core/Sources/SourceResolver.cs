using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>What a fetch must deliver, where in the manifest to point when it cannot, and how.</summary>
/// <param name="Pin">The digests and size the content must have.</param>
/// <param name="At">Where the source is written; diagnostics point there.</param>
/// <param name="Progress">Hears the bytes as they arrive; may be null.</param>
/// <param name="Offline">No network: a resolver that would need it fails instead.</param>
/// <param name="PinOrigin">The lock file the pin came from; null when the manifest pins it.</param>
internal sealed record FetchRequest(
    ContentPin Pin,
    SourceLocation? At,
    IDownloadProgress? Progress = null,
    bool Offline = false,
    string? PinOrigin = null)
{
    public Sha256Digest? ExpectedDigest => Pin.Sha256;

    public long? ExpectedSize => Pin.Size;

    /// <summary>The output file an HTTP download also writes as it streams (see <see cref="OutputCopy"/>); null for none.</summary>
    public OutputCopy? Copy { get; init; }

    /// <summary>The pin in words, for mismatch messages.</summary>
    public string DescribeExpected() => Pin.Describe();

    /// <summary>The error for content of <paramref name="source"/> that is not what the pin says.</summary>
    public DiagnosticException Mismatch(SourceReference source, StoredBlob actual) => Mismatch(source, actual.ToString());

    /// <summary>The error for content described by <paramref name="actual"/> that is not what the pin says.</summary>
    public DiagnosticException Mismatch(SourceReference source, string actual) =>
        PinOrigin is { } lockFile
            ? new(SourceDiagnostics.LockedContentMismatch.Create(At, source.DisplayText, lockFile, DescribeExpected(), actual))
            : new(SourceDiagnostics.ContentMismatch.Create(At, source.DisplayText, DescribeExpected(), actual));

    /// <summary>The error for a source that needs the network in offline mode.</summary>
    public DiagnosticException OfflineMiss(SourceReference source) =>
        new(SourceDiagnostics.OfflineMiss
            .Create(At, source.DisplayText, At?.FilePath ?? "this build", Pin.HasDigest ? " (pinned as " + Pin.Describe() + ")" : ""));
}

/// <summary>Fetches one kind of <see cref="SourceReference"/> into the content store.</summary>
internal interface ISourceResolver
{
    /// <summary>The record type this resolver fetches.</summary>
    Type SourceType { get; }

    Task<FetchedContent> FetchAsync(SourceReference source, FetchRequest request, CancellationToken cancellationToken);
}

/// <summary>Base of the resolvers: binds one record type to its fetch.</summary>
internal abstract class SourceResolver<TSource> : ISourceResolver
    where TSource : SourceReference
{
    public Type SourceType => typeof(TSource);

    public Task<FetchedContent> FetchAsync(SourceReference source, FetchRequest request, CancellationToken cancellationToken) =>
        FetchAsync((TSource)source, request, cancellationToken);

    protected abstract Task<FetchedContent> FetchAsync(TSource source, FetchRequest request, CancellationToken cancellationToken);
}
