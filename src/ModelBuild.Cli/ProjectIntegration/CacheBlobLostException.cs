using ModelBuild.Core.Cache;

namespace ModelBuild.Cli.ProjectIntegration;

/// <summary>
/// A blob a compile result names was gone from the cache, or found corrupt and quarantined, when its output
/// was written; compiling again computes or fetches it anew.
/// </summary>
internal sealed class CacheBlobLostException(StoredBlob blob, string cacheRoot)
    : Exception($"The file {blob} is no longer valid in the cache at '{cacheRoot}'.")
{
    public StoredBlob Blob { get; } = blob;
}
