using System.Security.Cryptography;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Cache.Remote;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Tests.Cache.Remote;

/// <summary>Blobs as chunks plus a manifest, and records as values, in a real redis-server on loopback.</summary>
[Trait("Category", "Integration")]
public sealed class DistributedCacheStoreTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly RedisServer _server = new();
    private readonly TemporaryDirectory _root = new();
    private readonly List<Diagnostic> _reported = [];

    public void Dispose()
    {
        _server.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task A_blob_over_4_MiB_is_stored_as_chunks_of_at_most_4_MiB_and_reassembled_whole()
    {
        using var store = new DistributedCacheStore(NewRedis());
        var bytes = RandomNumberGenerator.GetBytes((2 * DistributedCacheStore.ChunkSize) + 1234);
        var digest = Sha256Digest.Compute(bytes);

        Assert.False(await store.ContainsBlobAsync(digest, default));
        await store.WriteBlobAsync(digest, bytes.Length, new MemoryStream(bytes), default);

        Assert.True(await store.ContainsBlobAsync(digest, default));
        Assert.Contains("\"chunks\":3", _server.Command($"GET modelbuild:cas/{digest.Hex}"), StringComparison.Ordinal);
        Assert.Contains(
            $":{DistributedCacheStore.ChunkSize}\r\n",
            _server.Command($"STRLEN modelbuild:cas/{digest.Hex}/0"),
            StringComparison.Ordinal);
        Assert.Contains(":1234\r\n", _server.Command($"STRLEN modelbuild:cas/{digest.Hex}/2"), StringComparison.Ordinal);
        using var read = new MemoryStream();
        Assert.True(await store.TryReadBlobAsync(digest, read, default));
        Assert.Equal(bytes, read.ToArray());
    }

    [Fact]
    public async Task A_missing_chunk_is_a_miss_and_a_swapped_chunk_is_caught_by_the_digest_check()
    {
        var cache = ModelBuildCache.Open(_root.FullPath);
        var bytes = RandomNumberGenerator.GetBytes(DistributedCacheStore.ChunkSize + 10);
        var digest = Sha256Digest.Compute(bytes);
        using var remote = new RemoteCache(new DistributedCacheStore(NewRedis()), _server.Address, readOnly: false, _reported.Add);
        var stored = await cache.Content.PutAsync(bytes);
        await remote.UploadBlobAsync(cache.Content, stored, default);
        var other = ModelBuildCache.Open(_root.Combine("other"));

        // The last chunk replaced by other bytes of the same length: the manifest still adds up.
        _server.Command($"SET modelbuild:cas/{digest.Hex}/1 0123456789");
        Assert.False(await remote.TryDownloadBlobAsync(other.Content, digest, bytes.Length, default));
        Assert.Equal("MB3012", Assert.Single(_reported).Code);

        _server.Command($"DEL modelbuild:cas/{digest.Hex}/1");
        Assert.False(await remote.TryDownloadBlobAsync(other.Content, digest, bytes.Length, default));

        Assert.False(other.Content.Contains(digest));
        Assert.Single(_reported);
        Assert.False(remote.Faulted);
    }

    [Fact]
    public async Task A_record_comes_back_only_with_every_blob_it_names()
    {
        var first = ModelBuildCache.Open(_root.Combine("first"));
        var second = ModelBuildCache.Open(_root.Combine("second"));
        var model = await first.Content.PutAsync(RandomNumberGenerator.GetBytes(5000));
        var signature = await first.Content.PutAsync("{\"inputs\":[]}"u8.ToArray());
        var record = new ActionRecord("prepare", [new("model", model), new("signature", signature)]);
        var key = new ActionKey(Sha256Digest.Compute("prepare-key"u8));
        first.Actions.Put(key, record);
        using var remote = new RemoteCache(new DistributedCacheStore(NewRedis()), _server.Address, readOnly: false, _reported.Add);
        await remote.UploadActionAsync(first.Content, key, record, default);
        Assert.Equal((2, 1), (remote.BlobsUploaded, remote.ActionsUploaded));

        _server.Command($"DEL modelbuild:cas/{signature.Digest.Hex}");
        Assert.Null(await remote.TryDownloadActionAsync(second, key, default));
        Assert.Null(second.Actions.TryGet(key));

        await remote.UploadBlobAsync(first.Content, signature, default);
        Assert.Equal(record, await remote.TryDownloadActionAsync(second, key, default));
        Assert.Equal(record, second.Actions.TryGet(key));
        Assert.Empty(_reported);
    }

    [Fact]
    public async Task RedisDistributedCache_speaks_IDistributedCache_get_set_remove()
    {
        using var redis = NewRedis();
        Assert.Null(await redis.GetAsync("absent"));

        await redis.SetAsync("k", [1, 2, 3], new Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions());
        Assert.Equal([1, 2, 3], await redis.GetAsync("k"));
        redis.Set("empty", [], new Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions
        {
            AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1)
        });
        Assert.Equal([], redis.Get("empty")!);
        Assert.Contains(":1\r\n", _server.Command("EXISTS empty"), StringComparison.Ordinal);
        Assert.DoesNotContain(":-1\r\n", _server.Command("PTTL empty"), StringComparison.Ordinal);

        await redis.RemoveAsync("k");
        Assert.Null(await redis.GetAsync("k"));
        Assert.Throws<NotSupportedException>(() => redis.Set(
            "s",
            [1],
            new Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) }));
    }

    [Fact]
    public async Task A_blob_and_a_record_written_by_the_earlier_RESP_client_are_read_as_they_are()
    {
        // What ModelBuild 0.1's own RESP client left in Redis: plain SET values, a manifest written last.
        var bytes = "legacy blob"u8.ToArray();
        var digest = Sha256Digest.Compute(bytes);
        var key = new ActionKey(Sha256Digest.Compute("legacy"u8));
        const string Record = "{\"action\":\"prepare\"}";
        _server.Command($"SET modelbuild:cas/{digest.Hex}/0 'legacy blob'");
        _server.Command($"SET modelbuild:cas/{digest.Hex} '{{\"format\":1,\"size\":{bytes.Length},\"chunks\":1}}'");
        _server.Command($"SET modelbuild:ac/{key.Hex} '{Record}'");
        using var store = new DistributedCacheStore(NewRedis());

        using var read = new MemoryStream();
        Assert.True(await store.TryReadBlobAsync(digest, read, default), _server.Command($"GET modelbuild:cas/{digest.Hex}"));
        Assert.Equal(bytes, read.ToArray());
        Assert.Equal(Record, System.Text.Encoding.UTF8.GetString((await store.TryReadActionAsync(key, default))!));
    }

    [Fact]
    public async Task A_database_number_and_an_ACL_user_with_a_password_are_used()
    {
        _server.Command("ACL SETUSER builder on >builder-secret ~* +@all");
        Assert.True(
            RemoteCacheAddress.TryParse($"redis://builder:builder-secret@127.0.0.1:{_server.Port}/3", out var address, out var reason),
            reason);
        using var redis = new RedisDistributedCache(address, RemoteCacheCredentials.For(address), Timeout);

        await redis.SetAsync("in-db-3", [7], new Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions());

        Assert.Contains(":0\r\n", _server.Command("EXISTS in-db-3"), StringComparison.Ordinal);
        Assert.Contains(":1\r\n", _server.Command("SELECT 3\r\nEXISTS in-db-3"), StringComparison.Ordinal);
    }

    private RedisDistributedCache NewRedis()
    {
        Assert.True(RemoteCacheAddress.TryParse(_server.Address, out var address, out var reason), reason);
        return new RedisDistributedCache(address, RemoteCacheCredentials.For(address), Timeout);
    }
}
