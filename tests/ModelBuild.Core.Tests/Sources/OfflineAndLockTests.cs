using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Sources;

/// <summary>Offline mode (no network at all) and the lock file that pins sources the manifest does not.</summary>
public sealed class OfflineAndLockTests : IDisposable
{
    private const string Path = "/models/m.onnx";
    private static readonly SourceLocation At = new("models/m.yaml", 2, 14);

    private readonly TemporaryDirectory _root = new();
    private readonly LoopbackServer _server = new();
    private readonly ModelBuildCache _cache;
    private readonly byte[] _model = RandomNumberGenerator.GetBytes(100_000);

    public OfflineAndLockTests()
    {
        _cache = ModelBuildCache.Open(_root.Combine("cache"));
        _server.Serve(Path, _model);
    }

    public void Dispose()
    {
        _server.Dispose();
        _root.Dispose();
    }

    private string LockPath => _root.Combine("project", ModelLockFile.FileName);

    private SourceReference Source(string query = "")
        => SourceReference.Parse(_server.BaseUrl.TrimEnd('/') + Path + query, _root.FullPath, At);

    private SourceFetcher Fetcher(bool offline = false, bool locked = false, bool withLock = true) => new(_cache, new SourceFetcherOptions
    {
        Offline = offline,
        LockFile = withLock ? ModelLockFile.Open(LockPath, locked) : null,
        Http = new HttpDownloadOptions { MaxAttempts = 1 },
    });

    [Fact]
    public async Task Offline_a_pinned_source_in_the_cache_is_served_without_any_request()
    {
        var stored = await _cache.Content.PutAsync(_model);
        using var fetcher = Fetcher(offline: true);

        var fetched = await fetcher.FetchAsync(Source(), ContentPin.From(stored.Digest, stored.Size), At);

        Assert.True(fetched.FromCache);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Offline_a_source_missing_from_the_cache_is_MB2030_naming_source_and_manifest_with_no_request()
    {
        using var fetcher = Fetcher(offline: true);

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => fetcher.FetchAsync(Source(), ContentPin.From(Sha256Digest.Compute(_model), null), At));

        Assert.Equal("MB2030", error.Diagnostic.Code);
        Assert.Equal(At, error.Diagnostic.Location);
        Assert.Contains(_server.BaseUrl.TrimEnd('/') + Path, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("models/m.yaml", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task The_first_fetch_of_an_unpinned_source_writes_its_pin_to_the_lock_file_without_a_warning()
    {
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(Source(), ContentPin.None, At);

        Assert.Empty(fetched.Warnings);
        var json = JsonNode.Parse(File.ReadAllText(LockPath))!;
        Assert.Equal(1, json["version"]!.GetValue<int>());
        var entry = json["sources"]![_server.BaseUrl.TrimEnd('/') + Path]!;
        Assert.Equal(Sha256Digest.Compute(_model).Hex, entry["sha256"]!.GetValue<string>());
        Assert.Equal(_model.Length, entry["size"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_locked_source_is_served_from_the_cache_offline_and_its_pin_is_enforced_online()
    {
        using (var first = Fetcher())
        {
            await first.FetchAsync(Source(), ContentPin.None, At);
        }

        using (var offline = Fetcher(offline: true))
        {
            Assert.True((await offline.FetchAsync(Source(), ContentPin.None, At)).FromCache);
        }

        // The file behind the URL changes; the cache is emptied so the pin must be checked against the server.
        _server.Serve(Path, RandomNumberGenerator.GetBytes(100_000));
        using var emptyCacheFetcher = new SourceFetcher(
            ModelBuildCache.Open(_root.Combine("cache2")),
            new SourceFetcherOptions { LockFile = ModelLockFile.Open(LockPath) });
        var error = await Assert.ThrowsAsync<DiagnosticException>(() => emptyCacheFetcher.FetchAsync(Source(), ContentPin.None, At));

        Assert.Equal("MB2033", error.Diagnostic.Code);
        Assert.Contains(LockPath, error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Locked_mode_refuses_an_unpinned_source_missing_from_the_lock_with_MB2031_and_no_request()
    {
        using var fetcher = Fetcher(locked: true);

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => fetcher.FetchAsync(Source(), ContentPin.None, At));

        Assert.Equal("MB2031", error.Diagnostic.Code);
        Assert.Contains(LockPath, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
        Assert.False(File.Exists(LockPath));
    }

    [Fact]
    public async Task Locked_mode_accepts_sources_already_in_the_lock()
    {
        using (var first = Fetcher())
        {
            await first.FetchAsync(Source(), ContentPin.None, At);
        }

        var before = File.ReadAllText(LockPath);
        using var locked = Fetcher(locked: true);

        var fetched = await locked.FetchAsync(Source(), ContentPin.None, At);

        Assert.Equal(Sha256Digest.Compute(_model), fetched.Digest);
        Assert.Equal(before, File.ReadAllText(LockPath));
    }

    [Fact]
    public async Task The_lock_file_is_sorted_keeps_entries_written_by_others_and_holds_no_secret()
    {
        _server.Serve("/a.onnx", [1, 2, 3]);
        var fetcherA = Fetcher();
        var fetcherB = Fetcher();
        await fetcherB.FetchAsync(SourceReference.Parse(_server.BaseUrl + "a.onnx", _root.FullPath, At), ContentPin.None, At);
        await fetcherA.FetchAsync(Source("?token=s3cr3t"), ContentPin.None, At);
        fetcherA.Dispose();
        fetcherB.Dispose();

        var text = File.ReadAllText(LockPath);
        var keys = JsonNode.Parse(text)!["sources"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(_server.BaseUrl + "a.onnx", keys[0]);
        Assert.StartsWith(_server.BaseUrl.TrimEnd('/') + Path + "?token=*** (query sha256:", keys[1], StringComparison.Ordinal);
        Assert.Equal(2, keys.Count);
        Assert.DoesNotContain("s3cr3t", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sources_that_differ_only_in_a_masked_query_keep_a_lock_entry_each_without_the_query_values()
    {
        using (var fetcher = Fetcher())
        {
            await fetcher.FetchAsync(Source("?v=first-value"), ContentPin.None, At);
            await fetcher.FetchAsync(Source("?v=second-value"), ContentPin.None, At);
        }

        var text = File.ReadAllText(LockPath);
        var keys = JsonNode.Parse(text)!["sources"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(2, keys.Count);
        Assert.All(
            keys,
            key => Assert.StartsWith(_server.BaseUrl.TrimEnd('/') + Path + "?v=*** (query sha256:", key, StringComparison.Ordinal));
        Assert.DoesNotContain("first-value", text, StringComparison.Ordinal);
        Assert.DoesNotContain("second-value", text, StringComparison.Ordinal);
        using var locked = Fetcher(locked: true);
        Assert.Equal(Sha256Digest.Compute(_model), (await locked.FetchAsync(Source("?v=second-value"), ContentPin.None, At)).Digest);
    }

    [Fact]
    public void A_lock_file_that_is_not_one_is_MB2032()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(LockPath)!);
        File.WriteAllText(LockPath, "{ \"version\": 1, \"sources\": { \"x\": { \"sha256\": \"nope\" } } }");

        var error = Assert.Throws<DiagnosticException>(() => ModelLockFile.Open(LockPath));

        Assert.Equal("MB2032", error.Diagnostic.Code);
        Assert.Contains("'x'", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_lock_file_an_unpinned_source_still_warns_MB2015()
    {
        using var fetcher = Fetcher(withLock: false);

        var fetched = await fetcher.FetchAsync(Source(), ContentPin.None, At);

        Assert.Equal("MB2015", Assert.Single(fetched.Warnings).Code);
    }
}
