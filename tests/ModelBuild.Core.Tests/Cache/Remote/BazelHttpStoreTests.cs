using System.Security.Cryptography;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Cache.Remote;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Tests.Cache.Remote;

/// <summary>The Bazel HTTP protocol against a real WebDAV-enabled nginx on loopback.</summary>
[Trait("Category", "Integration")]
public sealed class BazelHttpStoreTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly WebDavServer _server = new();
    private readonly TemporaryDirectory _root = new();
    private readonly List<Diagnostic> _reported = [];

    public void Dispose()
    {
        _server.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task Blobs_and_records_go_up_with_PUT_under_cas_and_ac_and_come_back_with_GET()
    {
        using var store = NewStore();
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        var digest = Sha256Digest.Compute(bytes);
        var key = new ActionKey(Sha256Digest.Compute("key"u8));

        Assert.False(await store.ContainsBlobAsync(digest, default));
        Assert.False(await store.TryReadBlobAsync(digest, Stream.Null, default));
        Assert.Null(await store.TryReadActionAsync(key, default));

        await store.WriteBlobAsync(digest, bytes.Length, new MemoryStream(bytes), default);
        await store.WriteActionAsync(key, "{\"record\":1}"u8.ToArray(), default);

        Assert.True(await store.ContainsBlobAsync(digest, default));
        using var read = new MemoryStream();
        Assert.True(await store.TryReadBlobAsync(digest, read, default));
        Assert.Equal(bytes, read.ToArray());
        Assert.Equal("{\"record\":1}"u8.ToArray(), await store.TryReadActionAsync(key, default));

        // Bazel's layout on the server's disk, and the protocol's verbs in its log.
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(_server.StoreFolder, "cas", digest.Hex)));
        Assert.True(File.Exists(Path.Combine(_server.StoreFolder, "ac", key.Hex)));
        Assert.Contains($"HEAD /cache/cas/{digest.Hex} 404", _server.Requests());
        Assert.Contains($"PUT /cache/cas/{digest.Hex} 201", _server.Requests());
        Assert.Contains($"GET /cache/ac/{key.Hex} 200", _server.Requests());
    }

    [Fact]
    public async Task A_blob_altered_on_the_server_is_refused_with_MB3012_and_never_stored_locally()
    {
        var cache = ModelBuildCache.Open(_root.FullPath);
        var bytes = RandomNumberGenerator.GetBytes(50_000);
        var digest = Sha256Digest.Compute(bytes);
        var tampered = (byte[])bytes.Clone();
        tampered[7] ^= 0x20;
        Directory.CreateDirectory(Path.Combine(_server.StoreFolder, "cas"));
        await File.WriteAllBytesAsync(Path.Combine(_server.StoreFolder, "cas", digest.Hex), tampered);
        using var remote = new RemoteCache(NewStore(), _server.Address, readOnly: false, _reported.Add);

        Assert.False(await remote.TryDownloadBlobAsync(cache.Content, digest, bytes.Length, default));

        Assert.False(cache.Content.Contains(digest));
        Assert.Empty(_root.FilesUnder("tmp"));
        var warning = Assert.Single(_reported);
        Assert.Equal("MB3012", warning.Code);
        Assert.Contains(digest.Hex, warning.Message, StringComparison.Ordinal);
        Assert.False(remote.Faulted);
    }

    [Fact]
    public async Task A_local_blob_corrupt_behind_a_valid_stamp_is_quarantined_not_uploaded_and_its_record_not_sent()
    {
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        var stored = await ModelBuildCache.Open(_root.FullPath).Content.PutAsync(bytes);
        var blob = _root.Combine("cas", "sha256", stored.Digest.Hex[..2], stored.Digest.Hex);
        var written = File.GetLastWriteTimeUtc(blob);
        bytes[123_456] ^= 0x08;
        await File.WriteAllBytesAsync(blob, bytes);
        File.SetLastWriteTimeUtc(blob, written);
        var cache = ModelBuildCache.Open(_root.FullPath, _reported.Add);
        var key = new ActionKey(Sha256Digest.Compute("corrupt-upload"u8));
        var record = new ActionRecord("prepare", [new("model", stored)], []);
        using var remote = new RemoteCache(NewStore(), _server.Address, readOnly: false, _reported.Add);

        await remote.UploadActionAsync(cache.Content, key, record, default);

        var warning = Assert.Single(_reported);
        Assert.Equal("MB3002", warning.Code);
        Assert.False(remote.Faulted);
        Assert.False(File.Exists(Path.Combine(_server.StoreFolder, "cas", stored.Digest.Hex)));
        Assert.False(File.Exists(Path.Combine(_server.StoreFolder, "ac", key.Hex)));
        Assert.False(cache.Content.Contains(stored.Digest));
        Assert.Single(_root.FilesUnder("quarantine"));
    }

    [Fact]
    public async Task A_refusing_server_is_one_MB3010_warning_and_the_tier_stays_off()
    {
        var cache = ModelBuildCache.Open(_root.FullPath);
        var stored = await cache.Content.PutAsync(RandomNumberGenerator.GetBytes(1000));

        // nginx answers PUT outside the WebDAV location with 405 Method Not Allowed.
        var address = RemoteCacheAddress.TryParse($"http://127.0.0.1:{_server.Port}/elsewhere", out var parsed, out _) ? parsed : null;
        using var remote = new RemoteCache(
            new BazelHttpStore(address!, RemoteCacheCredentials.For(address!), Timeout),
            address!.DisplayText,
            readOnly: false,
            _reported.Add);

        await remote.UploadBlobAsync(cache.Content, stored, default);
        await remote.UploadBlobAsync(cache.Content, stored, default);
        Assert.False(await remote.TryDownloadBlobAsync(cache.Content, Sha256Digest.Compute("x"u8), null, default));

        var warning = Assert.Single(_reported);
        Assert.Equal("MB3010", warning.Code);
        Assert.Contains("HTTP 40", warning.Message, StringComparison.Ordinal);
        Assert.True(remote.Faulted);
        // HEAD (a miss), then the refused PUT; after that the tier sends nothing more.
        Assert.Equal([$"HEAD /elsewhere/cas/{stored.Digest.Hex} 404", $"PUT /elsewhere/cas/{stored.Digest.Hex} 405"], _server.Requests());
    }

    [Fact]
    public async Task Read_only_mode_downloads_but_never_uploads()
    {
        var cache = ModelBuildCache.Open(_root.FullPath);
        var stored = await cache.Content.PutAsync(RandomNumberGenerator.GetBytes(1000));
        var record = new ActionRecord("prepare", [new("model", stored)]);
        var key = new ActionKey(Sha256Digest.Compute("read-only"u8));
        using var remote = new RemoteCache(NewStore(), _server.Address, readOnly: true, _reported.Add);

        await remote.UploadActionAsync(cache.Content, key, record, default);

        Assert.DoesNotContain(
            _server.Requests(),
            r => r.StartsWith("PUT ", StringComparison.Ordinal) || r.StartsWith("HEAD ", StringComparison.Ordinal));
        Assert.Null(await remote.TryDownloadActionAsync(cache, key, default));
        Assert.Contains($"GET /cache/ac/{key.Hex} 404", _server.Requests());
        Assert.Empty(_reported);
    }

    private BazelHttpStore NewStore()
    {
        Assert.True(RemoteCacheAddress.TryParse(_server.Address, out var address, out var reason), reason);
        return new BazelHttpStore(address, RemoteCacheCredentials.For(address), Timeout);
    }
}
