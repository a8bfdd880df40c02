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

    /// <summary>The content as the store names it.</summary>
    public StoredBlob Blob => new(Digest, Size);
}
