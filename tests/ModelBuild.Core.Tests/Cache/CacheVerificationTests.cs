using System.Security.Cryptography;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Tests.Cache;

public sealed class CacheVerificationTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();
    private readonly List<Diagnostic> _reported = [];

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Verify_rehashes_every_blob_and_quarantines_corrupt_blobs_records_and_stray_files()
    {
        using var cache = ModelBuildCache.Open(_root.FullPath, _reported.Add);
        var good = await cache.Content.PutAsync(RandomNumberGenerator.GetBytes(1000));
        var rotten = await cache.Content.PutAsync(RandomNumberGenerator.GetBytes(1000));
        var rottenPath = _root.Combine("cas", "sha256", rotten.Digest.Hex[..2], rotten.Digest.Hex);
        var stamp = File.GetLastWriteTimeUtc(rottenPath);
        var bytes = await File.ReadAllBytesAsync(rottenPath);
        bytes[^1] ^= 0x80;
        await File.WriteAllBytesAsync(rottenPath, bytes);
        File.SetLastWriteTimeUtc(rottenPath, stamp);
        await File.WriteAllTextAsync(_root.Combine("cas", "sha256", good.Digest.Hex[..2], "stray.txt"), "not a blob");
        var goodKey = new ActionKey(Sha256Digest.Compute("good"u8));
        cache.Actions.Put(goodKey, new ActionRecord("a", [new("out", good)]));
        var brokenKey = new ActionKey(Sha256Digest.Compute("broken"u8));
        Directory.CreateDirectory(_root.Combine("ac", brokenKey.Hex[..2]));
        await File.WriteAllTextAsync(_root.Combine("ac", brokenKey.Hex[..2], brokenKey.Hex + ".json"), "{ not json");
        var danglingKey = new ActionKey(Sha256Digest.Compute("dangling"u8));
        cache.Actions.Put(danglingKey, new ActionRecord("a", [new("out", rotten)]));

        var result = cache.Verify();

        Assert.Equal(
            new VerificationResult(BlobsChecked: 4, CorruptBlobs: 2, ActionsChecked: 3, CorruptActions: 1, DanglingActions: 1),
            result);
        Assert.False(result.Clean);
        Assert.Equal(3, _root.FilesUnder("quarantine").Count);
        Assert.Equal("MB3002", Assert.Single(_reported).Code);
        Assert.NotNull(cache.Actions.TryGet(goodKey));

        var again = cache.Verify();
        Assert.True(again.Clean);
        Assert.Equal((2, 1), (again.BlobsChecked, again.ActionsChecked));
    }

    [Fact]
    public async Task Clear_removes_every_entry_and_keeps_the_empty_blob()
    {
        using var cache = ModelBuildCache.Open(_root.FullPath);
        var blob = await cache.Content.PutAsync(RandomNumberGenerator.GetBytes(100));
        cache.Actions.Put(new ActionKey(Sha256Digest.Compute("k"u8)), new ActionRecord("a", [new("out", blob)]));

        cache.Clear();

        var stats = cache.Inventory.Statistics();
        Assert.Equal((1, 0L, 0), (stats.BlobCount, stats.BlobBytes, stats.ActionCount));
        Assert.False(cache.Content.Contains(blob.Digest));
        Assert.True(cache.Content.Contains(Sha256Digest.Empty));
    }
}
