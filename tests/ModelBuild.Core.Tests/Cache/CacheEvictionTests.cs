using System.Security.Cryptography;
using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Tests.Cache;

public sealed class CacheEvictionTests : IDisposable
{
    private static readonly DateTime Day = new(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly TemporaryDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Prune_to_a_size_removes_least_recently_used_blobs_first_and_the_records_naming_them()
    {
        using var cache = ModelBuildCache.Open(_root.FullPath);
        var oldest = await PutUsedAtAsync(cache, 1000, Day);
        var middle = await PutUsedAtAsync(cache, 1000, Day.AddDays(1));
        var newest = await PutUsedAtAsync(cache, 1000, Day.AddDays(2));
        var keyOld = Record(cache, "old", oldest);
        var keyNew = Record(cache, "new", newest, middle);

        var result = cache.Prune(maxSize: 2000, olderThan: null);

        Assert.Equal((1, 1000L, 1, 2000L), (result.BlobsRemoved, result.BytesRemoved, result.ActionsRemoved, result.BytesLeft));
        Assert.False(File.Exists(BlobPath(oldest)));
        Assert.False(File.Exists(_root.Combine("stamps", oldest.Digest.Hex[..2], oldest.Digest.Hex)));
        Assert.True(cache.Content.Contains(middle.Digest));
        Assert.True(cache.Content.Contains(newest.Digest));
        Assert.Null(cache.Actions.TryGet(keyOld));
        Assert.NotNull(cache.Actions.TryGet(keyNew));
    }

    [Fact]
    public async Task An_unpacked_archive_counts_in_the_budget_and_goes_with_its_archive_blob()
    {
        using var cache = ModelBuildCache.Open(_root.FullPath);
        var oldArchive = await PutUsedAtAsync(cache, 1000, Day);
        var newArchive = await PutUsedAtAsync(cache, 1000, Day.AddDays(1));
        var oldFolder = Unpack(oldArchive, 1500);
        var newFolder = Unpack(newArchive, 500);

        var stats = cache.Inventory.Statistics();
        var result = cache.Prune(maxSize: 2000, olderThan: null);

        Assert.Equal((2, 2000L), (stats.UnpackedCount, stats.UnpackedBytes));
        Assert.Equal((1, 2500L, 1, 1500L), (result.BlobsRemoved, result.BytesRemoved, result.UnpackedRemoved, result.BytesLeft));
        Assert.False(Directory.Exists(oldFolder));
        Assert.True(Directory.Exists(newFolder));
        Assert.Equal([Path.GetFileName(newFolder)], Directory.GetFileSystemEntries(_root.Combine("unpacked")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task An_unpacked_archive_whose_blob_is_gone_is_removed_by_any_prune()
    {
        using var cache = ModelBuildCache.Open(_root.FullPath);
        var archive = await PutUsedAtAsync(cache, 1000, DateTime.UtcNow);
        var folder = Unpack(archive, 300);
        Assert.True(cache.Content.Remove(archive.Digest));

        var result = cache.Prune(maxSize: 1 << 30, olderThan: null);

        Assert.Equal((0, 300L, 1), (result.BlobsRemoved, result.BytesRemoved, result.UnpackedRemoved));
        Assert.False(Directory.Exists(folder));
    }

    private string Unpack(StoredBlob archive, int bytes)
    {
        var folder = _root.Combine("unpacked", archive.Digest.Hex);
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        File.WriteAllBytes(Path.Combine(folder, "images", "a.raw"), new byte[bytes]);
        return folder;
    }

    [Fact]
    public async Task Prune_by_age_removes_blobs_and_records_not_used_for_that_long()
    {
        using var cache = ModelBuildCache.Open(_root.FullPath);
        var stale = await PutUsedAtAsync(cache, 500, DateTime.UtcNow - TimeSpan.FromDays(40));
        var fresh = await PutUsedAtAsync(cache, 500, DateTime.UtcNow - TimeSpan.FromDays(2));
        var staleRecord = Record(cache, "stale", fresh);
        File.SetLastWriteTimeUtc(
            _root.Combine("ac", staleRecord.Hex[..2], staleRecord.Hex + ".json"),
            DateTime.UtcNow - TimeSpan.FromDays(40));
        var freshRecord = Record(cache, "fresh", fresh);

        var result = cache.Prune(maxSize: null, olderThan: TimeSpan.FromDays(30));

        Assert.Equal((1, 1), (result.BlobsRemoved, result.ActionsRemoved));
        Assert.False(File.Exists(BlobPath(stale)));
        Assert.True(File.Exists(BlobPath(fresh)));
        Assert.False(File.Exists(_root.Combine("ac", staleRecord.Hex[..2], staleRecord.Hex + ".json")));
        Assert.NotNull(cache.Actions.TryGet(freshRecord));
    }

    [Fact]
    public async Task The_size_budget_spares_what_this_process_used_and_what_was_used_within_the_grace_period()
    {
        var path = _root.FullPath;
        using (var earlier = ModelBuildCache.Open(path))
        {
            await PutUsedAtAsync(earlier, 3000, Day);
            await PutUsedAtAsync(earlier, 3000, DateTime.UtcNow - TimeSpan.FromMinutes(5));
        }

        using var cache = ModelBuildCache.Open(new CacheOptions { Root = path, MaxSize = 4000 });
        Assert.Equal(PruneResult.Nothing, cache.EnforceSizeBudget());
        var mine = await cache.Content.PutAsync(RandomNumberGenerator.GetBytes(3000));

        var result = cache.EnforceSizeBudget();

        // Only the blob last used long ago may go; the budget stays exceeded rather than break a build.
        Assert.Equal(1, result.BlobsRemoved);
        Assert.Equal(6000, result.BytesLeft);
        Assert.True(cache.Content.Contains(mine.Digest));
        Assert.Equal(2, cache.Inventory.Blobs().Count(b => b.Size == 3000));
    }

    [Fact]
    public async Task The_empty_blob_is_never_evicted()
    {
        using var cache = ModelBuildCache.Open(_root.FullPath);
        await PutUsedAtAsync(cache, 100, Day);

        var result = cache.Prune(maxSize: 0, olderThan: TimeSpan.Zero);

        Assert.Equal(1, result.BlobsRemoved);
        Assert.True(File.Exists(_root.Combine("cas", "sha256", Sha256Digest.Empty.Hex[..2], Sha256Digest.Empty.Hex)));
    }

    [Fact]
    public async Task Statistics_count_blobs_records_quarantine_and_temporary_files()
    {
        using var cache = ModelBuildCache.Open(new CacheOptions { Root = _root.FullPath, MaxSize = 1 << 20 });
        var a = await cache.Content.PutAsync(RandomNumberGenerator.GetBytes(1000));
        var b = await cache.Content.PutAsync(RandomNumberGenerator.GetBytes(2000));
        Record(cache, "one", a, b);
        await File.WriteAllTextAsync(_root.Combine("tmp", "p1.host.0123456789abcdef0123456789abcdef.blob"), "in flight");
        var bytes = await File.ReadAllBytesAsync(BlobPath(a));
        bytes[0] ^= 1;
        await File.WriteAllBytesAsync(BlobPath(a), bytes);
        File.SetLastWriteTimeUtc(BlobPath(a), Day);
        Assert.False(cache.Content.Contains(a.Digest));

        var stats = cache.Inventory.Statistics();

        Assert.Equal(_root.FullPath, stats.Root);
        Assert.Equal((2, 2000L), (stats.BlobCount, stats.BlobBytes)); // b and the empty blob
        Assert.Equal(1, stats.ActionCount);
        Assert.Equal((1, 1000L), (stats.QuarantineCount, stats.QuarantineBytes));
        Assert.Equal(1, stats.TemporaryCount);
        Assert.Equal(1 << 20, stats.MaxSize);
        var action = Assert.Single(cache.Inventory.Actions());
        Assert.Equal(("one", 2, 3000L), (action.ActionName, action.OutputCount, action.OutputBytes));
    }

    private static async Task<StoredBlob> PutUsedAtAsync(ModelBuildCache cache, int size, DateTime lastUsedUtc)
    {
        var blob = await cache.Content.PutAsync(RandomNumberGenerator.GetBytes(size));
        var stamp = cache.Content.Stamps.TryRead(blob.Digest)!.Value;
        cache.Content.Stamps.Write(blob.Digest, stamp with { LastUsedUtc = lastUsedUtc });
        return blob;
    }

    private static ActionKey Record(ModelBuildCache cache, string name, params StoredBlob[] outputs)
    {
        var key = new ActionKey(Sha256Digest.Compute(System.Text.Encoding.UTF8.GetBytes(name)));
        cache.Actions.Put(key, new ActionRecord(name, outputs.Select((b, i) => new KeyValuePair<string, StoredBlob>($"out{i}", b))));
        return key;
    }

    private string BlobPath(StoredBlob blob) => _root.Combine("cas", "sha256", blob.Digest.Hex[..2], blob.Digest.Hex);
}
