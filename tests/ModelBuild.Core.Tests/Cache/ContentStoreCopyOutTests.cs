using System.Security.Cryptography;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Tests.Cache;

/// <summary>
/// Blobs leaving the cache (copied into an output, sent to a remote) are hashed on the way out, even when a
/// recent stamp would spare hashing them on the way in: bit rot with an unchanged time stamp is caught.
/// </summary>
public sealed class ContentStoreCopyOutTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();
    private readonly List<Diagnostic> _reported = [];
    private readonly ModelBuildCache _cache;

    public ContentStoreCopyOutTests() => _cache = ModelBuildCache.Open(_root.FullPath, d => { lock (_reported) { _reported.Add(d); } });

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task TryCopyTo_copies_a_sound_blob_byte_for_byte()
    {
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        var stored = await _cache.Content.PutAsync(bytes);
        using var target = new MemoryStream();

        Assert.True(_cache.Content.TryCopyTo(stored.Digest, target));

        Assert.Equal(bytes, target.ToArray());
        Assert.Empty(_reported);
    }

    [Fact]
    public async Task TryCopyTo_quarantines_a_blob_flipped_behind_a_valid_stamp_and_returns_false()
    {
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        var stored = await _cache.Content.PutAsync(bytes);
        var corrupt = FlipKeepingTimeStamp(stored.Digest);

        // A fresh process: only the stamp on disk speaks for the blob, and it still matches.
        var cache = ModelBuildCache.Open(_root.FullPath, d => { lock (_reported) { _reported.Add(d); } });
        Assert.True(cache.Content.Contains(stored.Digest));
        using var target = new MemoryStream();

        Assert.False(cache.Content.TryCopyTo(stored.Digest, target));

        var warning = Assert.Single(_reported);
        Assert.Equal("MB3002", warning.Code);
        Assert.Contains(stored.Digest.Hex, warning.Message, StringComparison.Ordinal);
        Assert.False(cache.Content.Contains(stored.Digest));
        var quarantined = Assert.Single(_root.FilesUnder("quarantine"));
        Assert.Equal(corrupt, File.ReadAllBytes(Path.Combine(_root.FullPath, "quarantine", quarantined)));
    }

    [Fact]
    public async Task A_transfer_of_a_corrupt_blob_fails_before_its_last_bytes_are_handed_out()
    {
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        var stored = await _cache.Content.PutAsync(bytes);
        FlipKeepingTimeStamp(stored.Digest);
        var cache = ModelBuildCache.Open(_root.FullPath, d => { lock (_reported) { _reported.Add(d); } });
        using var stream = cache.Content.TryOpenForTransfer(stored.Digest)!;
        var received = new MemoryStream();

        var failure = Assert.Throws<CorruptBlobException>(() => stream.CopyTo(received, 4096));

        Assert.Equal(stored.Digest, failure.Digest);
        Assert.True(received.Length < bytes.Length, $"{received.Length} of {bytes.Length} bytes were handed out");
        Assert.Equal("MB3002", Assert.Single(_reported).Code);
        Assert.Single(_root.FilesUnder("quarantine"));
    }

    [Fact]
    public async Task A_transfer_of_a_sound_blob_hands_out_every_byte()
    {
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        var stored = await _cache.Content.PutAsync(bytes);
        using var stream = _cache.Content.TryOpenForTransfer(stored.Digest)!;
        var received = new MemoryStream();

        await stream.CopyToAsync(received, 4096);

        Assert.Equal(bytes, received.ToArray());
        Assert.Empty(_reported);
    }

    /// <summary>Flips one byte of the blob's file and puts its time stamp back, as bit rot or cp -a of a damaged copy would.</summary>
    private byte[] FlipKeepingTimeStamp(Sha256Digest digest)
    {
        var path = _root.Combine("cas", "sha256", digest.Hex[..2], digest.Hex);
        var written = File.GetLastWriteTimeUtc(path);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 3] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, written);
        return bytes;
    }
}
