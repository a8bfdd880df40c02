using System.Collections.Immutable;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// A source's bytes, now in the content store under <paramref name="Digest"/>.
/// </summary>
/// <param name="Digest">The content's SHA-256.</param>
/// <param name="Size">The content's size in bytes.</param>
/// <param name="LocalPath">
/// For a local source, the file it was read from: the engine lists it in the dependency file so
/// the next build notices an edit. Null for remote sources.
/// </param>
public sealed record FetchedContent(Sha256Digest Digest, long Size, string? LocalPath)
{
    /// <summary>Warnings about the fetch (for example a remote source that is not pinned).</summary>
    public ImmutableArray<Diagnostic> Warnings { get; init; } = [];

    /// <summary>True when the content came from the cache without contacting the source.</summary>
    public bool FromCache { get; init; }

    /// <summary>Bytes that crossed the network for this fetch (0 for the cache and local files).</summary>
    public long Transferred { get; init; }

    /// <summary>Digests other than SHA-256 that were checked while the content streamed.</summary>
    internal ImmutableArray<ContentDigest> VerifiedDigests { get; init; } = [];

    /// <summary>The content as the store names it.</summary>
    public StoredBlob Blob => new(Digest, Size);
}
