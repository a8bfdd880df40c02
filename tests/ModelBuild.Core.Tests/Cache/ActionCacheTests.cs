using System.Security.Cryptography;
using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Tests.Cache;

public sealed class ActionCacheTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();
    private readonly ModelBuildCache _cache;

    public ActionCacheTests() => _cache = ModelBuildCache.Open(_root.FullPath);

    public void Dispose() => _root.Dispose();

    private static ActionKey Key(string salt) => new ActionKeyBuilder("convert", "test").WithSalt(salt).Build();

    private async Task<ActionRecord> StoreOutputsAsync()
    {
        var model = await _cache.Content.PutAsync(RandomNumberGenerator.GetBytes(3000));
        var report = await _cache.Content.PutAsync("{\"ok\":true}"u8.ToArray());
        return new ActionRecord("convert", [new("model", model), new("report", report)], [new("onnxruntime", "1.30.0")]);
    }

    [Fact]
    public async Task A_stored_record_comes_back_equal()
    {
        var record = await StoreOutputsAsync();
        var key = Key("a");

        _cache.Actions.Put(key, record);

        Assert.Equal(record, _cache.Actions.TryGet(key));
        Assert.True(File.Exists(_root.Combine("ac", key.Hex[..2], key.Hex + ".json")));
        Assert.Empty(_root.FilesUnder("tmp"));
    }

    [Fact]
    public void An_unknown_key_is_a_miss() => Assert.Null(_cache.Actions.TryGet(Key("never")));

    [Fact]
    public async Task A_record_is_a_miss_when_one_of_its_blobs_is_missing()
    {
        var record = await StoreOutputsAsync();
        var key = Key("b");
        _cache.Actions.Put(key, record);
        Assert.True(_cache.Content.TryGetPath(record.Outputs["report"].Digest, out var reportPath));

        File.Delete(reportPath);

        Assert.Null(_cache.Actions.TryGet(key));
    }

    [Fact]
    public async Task A_record_is_a_miss_when_one_of_its_blobs_is_corrupt()
    {
        var record = await StoreOutputsAsync();
        var key = Key("c");
        _cache.Actions.Put(key, record);
        Assert.True(_cache.Content.TryGetPath(record.Outputs["model"].Digest, out var modelPath));

        var bytes = await File.ReadAllBytesAsync(modelPath);
        bytes[0] ^= 1;
        await File.WriteAllBytesAsync(modelPath, bytes);
        File.SetLastWriteTimeUtc(modelPath, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        Assert.Null(_cache.Actions.TryGet(key));
    }

    [Fact]
    public async Task Equal_records_serialize_to_identical_bytes_whatever_the_insertion_order()
    {
        var record = await StoreOutputsAsync();
        var reordered = new ActionRecord("convert", record.Outputs.Reverse(), record.Metadata.Reverse());
        var key = Key("d");

        Assert.Equal(ActionCache.Serialize(key, record), ActionCache.Serialize(key, reordered));
    }

    [Fact]
    public async Task An_unreadable_record_is_a_miss_and_is_moved_to_quarantine()
    {
        var key = Key("e");
        _cache.Actions.Put(key, await StoreOutputsAsync());
        var path = _root.Combine("ac", key.Hex[..2], key.Hex + ".json");
        await File.WriteAllTextAsync(path, "{ \"format\": 1, \"key\": ");

        Assert.Null(_cache.Actions.TryGet(key));
        Assert.False(File.Exists(path));
        Assert.Single(_root.FilesUnder("quarantine"));
    }

    [Fact]
    public async Task A_record_filed_under_another_key_is_not_trusted()
    {
        var record = await StoreOutputsAsync();
        var key = Key("f");
        var other = Key("g");
        _cache.Actions.Put(key, record);
        var otherPath = _root.Combine("ac", other.Hex[..2], other.Hex + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(otherPath)!);
        File.Copy(_root.Combine("ac", key.Hex[..2], key.Hex + ".json"), otherPath);

        Assert.Null(_cache.Actions.TryGet(other));
    }

    [Fact]
    public void A_record_naming_a_blob_that_is_not_stored_is_refused()
    {
        var record = new ActionRecord("convert", [new("model", new StoredBlob(Sha256Digest.Compute("absent"u8), 6))]);

        Assert.Throws<ArgumentException>(() => _cache.Actions.Put(Key("h"), record));
    }
}
