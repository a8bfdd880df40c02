using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>What a fetch must deliver, and where in the manifest to point when it cannot.</summary>
internal sealed record FetchRequest(Sha256Digest? ExpectedDigest, long? ExpectedSize, SourceLocation? At)
{
    /// <summary>The pin in words, for mismatch messages.</summary>
    public string DescribeExpected() => ContentStore.DescribeExpected(ExpectedDigest, ExpectedSize);

    /// <summary>The error for content of <paramref name="source"/> that is not what the pin says.</summary>
    public DiagnosticException Mismatch(SourceReference source, StoredBlob actual) =>
        new(SourceDiagnostics.ContentMismatch.Create(At, source.DisplayText, DescribeExpected(), actual));
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
