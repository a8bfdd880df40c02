using System.Security.Cryptography;
using System.Text;
using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Brings one HTTP file into the content store: takes the cross-process lock for it (two builds
/// never download the same file at once; the second finds it cached), waits for a download slot
/// (<see cref="SourceFetcherOptions.MaxParallelDownloads"/>), runs the <see cref="ResumableDownload"/>
/// into a partial file in the cache's temp area (every digest computed as it is written), checks every
/// pinned digest, and only then hands the file to the content store, which takes it by rename. Rejected
/// content leaves neither a blob nor a partial file behind. The request's <see cref="FetchRequest.Copy"/>, if any,
/// is written from the same buffers and sealed as holding the blob once the store took it.
/// </summary>
internal sealed class CachedHttpDownload(ModelBuildCache cache, HttpClient http, SourceFetcherOptions options) : IDisposable
{
    // A single large file may take long; the lock only guards against downloading it twice.
    private static readonly TimeSpan LockTimeout = TimeSpan.FromHours(2);

    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.MaxParallelDownloads));

    public async Task<FetchedContent> DownloadAsync(
        HttpDownloadRequest download,
        SourceReference source,
        FetchRequest request,
        CancellationToken cancellationToken)
    {
        if (request.Offline)
        {
            throw request.OfflineMiss(source);
        }

        var key = PartialKey(download.Identity, request.Pin);
        using var held = await cache.AcquireLockAsync(
            "download-" + key[..40],
            LockTimeout,
            holder => options.Log?.Invoke($"ModelBuild: waiting for {source.DisplayText}, being downloaded by {holder}."),
            description: $"download of {source.DisplayText}",
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (request.Pin.Sha256 is { } pinned && cache.Content.Find(pinned) is { } cached)
        {
            return request.Pin.Size is { } size && size != cached.Size
                ? throw request.Mismatch(source, cached)
                : new FetchedContent(cached.Digest, cached.Size, null) { FromCache = true };
        }

        var partial = PartialDownload.Open(Path.Combine(cache.Layout.TempDirectory, ModelBuildCache.PartialDownloadsFolder), key);
        CompletedDownload completed;
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            completed = await new ResumableDownload(http, options.Http).RunAsync(
                download,
                partial,
                request.Pin,
                request.At,
                request.Progress,
                cancellationToken,
                request.Copy).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }

        // Every digest, SHA-256 included, was computed as the bytes were written: check them, then let the
        // content store take the file by rename instead of copying and hashing it again.
        var checkable = ResumableDownload.Checkable(request.Pin, [.. completed.Digests.Select(d => d.Algorithm)]);
        if (!checkable.IsSatisfiedBy(completed.Digests, completed.Size))
        {
            partial.Delete();
            throw request.Mismatch(source, Describe(completed, request.Pin));
        }

        var sha256 = completed.Digests.Select(d => d.AsSha256).First(d => d is not null)!.Value;
        var attempt = cache.Content.AdoptFile(partial.DataPath, sha256, completed.Size, request.Pin.Sha256, request.Pin.Size);
        partial.Delete();
        if (attempt.Matched)
        {
            request.Copy?.Seal(attempt.Actual);
        }

        return attempt.Matched
            ? new FetchedContent(attempt.Actual.Digest, attempt.Actual.Size, null)
            {
                Transferred = completed.Transferred,
                VerifiedDigests = [.. completed.Digests.Where(d => d.Algorithm != DigestAlgorithm.Sha256)],
            }
            : throw request.Mismatch(source, attempt.Actual);
    }

    public void Dispose() => _slots.Dispose();

    /// <summary>What arrived, in the algorithms the pin names (all computed ones for a pin of size only).</summary>
    private static string Describe(CompletedDownload completed, ContentPin pin)
    {
        var named = completed.Digests.Where(d => !pin.HasDigest || pin.Digests.Any(p => p.Algorithm == d.Algorithm)).ToList();
        return named.Count == 0
            ? $"{completed.Size} bytes"
            : string.Join(", ", named.Select(d => $"{d.AlgorithmName} {d.Hex}")) + $" ({completed.Size} bytes)";
    }

    /// <summary>
    /// Names the partial file: the pinned content when there is a pin (any URL serving it can
    /// continue it), else the source's identity. Hashed, so no URL or secret shows in file names.
    /// </summary>
    private static string PartialKey(string identity, ContentPin pin)
    {
        var text = pin.HasDigest ? "pin:" + string.Join(",", pin.Digests.Select(d => d.ToString())) : "source:" + identity;
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
