using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;

namespace ModelBuild.Core.Cache.Remote;

/// <summary>
/// A remote cache in any <see cref="IDistributedCache"/> (Redis through <see cref="RedisDistributedCache"/>,
/// or another implementation). Action records are values under <c>{prefix}ac/&lt;key&gt;</c>. A blob is
/// split into chunks of at most <see cref="ChunkSize"/> bytes under <c>{prefix}cas/&lt;digest&gt;/&lt;n&gt;</c>,
/// and a small manifest under <c>{prefix}cas/&lt;digest&gt;</c> is written last, so a reader that finds
/// the manifest finds every chunk (unless the server evicted one, which reads as a miss). The caller
/// checks the reassembled bytes against the digest.
/// </summary>
public sealed class DistributedCacheStore(
    IDistributedCache cache,
    string prefix = DistributedCacheStore.DefaultPrefix,
    bool ownsCache = true) : IRemoteCacheStore
{
    /// <summary>The key prefix that keeps ModelBuild's entries apart from anything else in the store.</summary>
    public const string DefaultPrefix = "modelbuild:";

    /// <summary>The largest chunk: 4 MiB, well under Redis's 512 MB value limit and kind to its latency.</summary>
    public const int ChunkSize = 4 << 20;

    private const int ManifestFormat = 1;
    private static readonly DistributedCacheEntryOptions NoExpiry = new();

    public async Task<bool> ContainsBlobAsync(Sha256Digest digest, CancellationToken cancellationToken) =>
        await ReadManifestAsync(digest, cancellationToken).ConfigureAwait(false) is not null;

    public async Task<bool> TryReadBlobAsync(Sha256Digest digest, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (await ReadManifestAsync(digest, cancellationToken).ConfigureAwait(false) is not { } manifest)
        {
            return false;
        }

        long written = 0;
        for (var index = 0; index < manifest.Chunks; index++)
        {
            var chunk = await cache.GetAsync(ChunkKey(digest, index), cancellationToken).ConfigureAwait(false);
            if (chunk is null)
            {
                return false; // Evicted by the server since the manifest was written: a miss.
            }

            await destination.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
            written += chunk.Length;
        }

        // Chunks that do not add up (overwritten by a writer of other content under a clashing prefix) are a miss.
        return written == manifest.Size;
    }

    public async Task WriteBlobAsync(Sha256Digest digest, long size, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var chunks = 0;
        long total = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            while (true)
            {
                var read = await content.ReadAtLeastAsync(
                    buffer.AsMemory(0, ChunkSize),
                    ChunkSize,
                    throwOnEndOfStream: false,
                    cancellationToken).ConfigureAwait(false);
                if (read == 0 && chunks > 0)
                {
                    break;
                }

                await cache.SetAsync(ChunkKey(digest, chunks), buffer.AsSpan(0, read).ToArray(), NoExpiry, cancellationToken)
                    .ConfigureAwait(false);
                chunks++;
                total += read;
                if (read < ChunkSize)
                {
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (total != size)
        {
            throw new InvalidOperationException($"The blob sha256 {digest} was {total} bytes while being uploaded, not {size}.");
        }

        // Last: a manifest is only ever visible once every chunk it names is stored.
        var manifest = JsonSerializer.SerializeToUtf8Bytes(
            new Dictionary<string, long> { ["format"] = ManifestFormat, ["size"] = size, ["chunks"] = chunks });
        await cache.SetAsync(ManifestKey(digest), manifest, NoExpiry, cancellationToken).ConfigureAwait(false);
    }

    public Task<byte[]?> TryReadActionAsync(ActionKey key, CancellationToken cancellationToken) =>
        cache.GetAsync(prefix + "ac/" + key.Hex, cancellationToken);

    public Task WriteActionAsync(ActionKey key, ReadOnlyMemory<byte> record, CancellationToken cancellationToken) =>
        cache.SetAsync(prefix + "ac/" + key.Hex, record.ToArray(), NoExpiry, cancellationToken);

    public void Dispose()
    {
        if (ownsCache && cache is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    private string ManifestKey(Sha256Digest digest) => prefix + "cas/" + digest.Hex;

    private string ChunkKey(Sha256Digest digest, int index)
        => string.Create(CultureInfo.InvariantCulture, $"{prefix}cas/{digest.Hex}/{index}");

    private async Task<BlobManifest?> ReadManifestAsync(Sha256Digest digest, CancellationToken cancellationToken)
    {
        var bytes = await cache.GetAsync(ManifestKey(digest), cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            var values = JsonSerializer.Deserialize<Dictionary<string, long>>(bytes);
            if (values is not null && values.GetValueOrDefault("format") == ManifestFormat
                && values.TryGetValue("size", out var size) && values.TryGetValue("chunks", out var chunks)
                && size >= 0 && chunks >= 1 && chunks <= (size / ChunkSize) + 1)
            {
                return new BlobManifest(size, (int)chunks);
            }
        }
        catch (JsonException)
        {
            // Falls through: a manifest that cannot be used is a miss, and the next upload replaces it.
        }

        return null;
    }

    private sealed record BlobManifest(long Size, int Chunks);
}
