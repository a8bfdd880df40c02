using System.Security.Cryptography;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Sources;

/// <summary>
/// The output folder's copy written from a download's own buffers (<c>modelbuild download</c>): it equals the cache's
/// blob byte for byte, survives drops, resumes and restarts, appears only once verified, and is a file of its own.
/// </summary>
public sealed class OutputCopyTests : IDisposable
{
    private const string Path = "/models/m.onnx";
    private static readonly SourceLocation At = new("models/m.yaml", 2, 14);

    private readonly TemporaryDirectory _root = new();
    private readonly LoopbackServer _server = new();
    private readonly ModelBuildCache _cache;
    private readonly byte[] _model = RandomNumberGenerator.GetBytes(3_000_000);

    public OutputCopyTests()
    {
        _cache = ModelBuildCache.Open(_root.Combine("cache"));
        _server.Serve(Path, _model);
    }

    private string Destination => _root.Combine("out", "public", "m", "m.onnx");

    private ContentPin Pin => new([ContentDigest.FromHash(DigestAlgorithm.Sha384, SHA384.HashData(_model))], _model.Length);

    public void Dispose()
    {
        _server.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task A_download_writes_the_copy_which_equals_the_cache_blob_and_a_later_write_to_it_leaves_the_blob_alone()
    {
        using var fetcher = Fetcher();
        using var copy = new OutputCopy(Destination);

        var fetched = await FetchAsync(fetcher, copy);

        Assert.True(copy.TryCommit(fetched.Blob));
        Assert.True(_cache.Content.TryGetPath(fetched.Digest, out var blob));
        Assert.Equal(await File.ReadAllBytesAsync(blob), await File.ReadAllBytesAsync(Destination));
        Assert.Equal(_model, await File.ReadAllBytesAsync(Destination));
        Assert.Equal([System.IO.Path.GetFileName(Destination)], Directory.GetFiles(System.IO.Path.GetDirectoryName(Destination)!)
            .Select(System.IO.Path.GetFileName));

        // Not a hard link: overwriting the output in place must not reach the blob every build shares.
        await using (var output = new FileStream(Destination, FileMode.Open, FileAccess.Write))
        {
            output.Write(new byte[4096]);
        }

        Assert.Equal(BlobVerification.Valid, _cache.Content.VerifyNow(fetched.Digest));
        Assert.Equal(_model, await File.ReadAllBytesAsync(blob));
    }

    [Fact]
    public async Task Content_that_fails_verification_leaves_no_output_and_no_temporary_file()
    {
        using var fetcher = Fetcher();
        var wrong = new ContentPin([ContentDigest.FromHash(DigestAlgorithm.Sha384, SHA384.HashData([1, 2, 3]))], _model.Length);
        var copy = new OutputCopy(Destination);

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => fetcher.FetchAsync(Source(), wrong, At, null, copy, default));
        copy.Dispose();

        Assert.Equal("MB2012", error.Diagnostic.Code);
        Assert.False(copy.TryCommit(new StoredBlob(Sha256Digest.Compute(_model), _model.Length)));
        Assert.Empty(Directory.GetFiles(_root.Combine("out"), "*", SearchOption.AllDirectories));
        Assert.False(_cache.Content.Contains(Sha256Digest.Compute(_model)));
    }

    [Fact]
    public async Task A_connection_dropped_mid_body_resumes_and_the_copy_still_holds_every_byte_once()
    {
        _server.Script(Path, new LoopbackReply { DropAfter = 1_000_000 });
        using var fetcher = Fetcher();
        using var copy = new OutputCopy(Destination);

        var fetched = await FetchAsync(fetcher, copy);

        Assert.NotNull(_server.RequestsFor(Path)[1].Range);
        Assert.True(copy.TryCommit(fetched.Blob));
        Assert.Equal(_model, await File.ReadAllBytesAsync(Destination));
    }

    [Fact]
    public async Task A_partial_left_by_an_earlier_run_is_written_to_the_copy_before_the_rest_arrives()
    {
        _server.Script(Path, new LoopbackReply { DropAfter = 1_000_000 });
        using (var first = Fetcher(attempts: 1))
        using (var failed = new OutputCopy(Destination))
        {
            await Assert.ThrowsAsync<DiagnosticException>(() => FetchAsync(first, failed));
        }

        using var fetcher = Fetcher();
        using var copy = new OutputCopy(Destination);
        var fetched = await FetchAsync(fetcher, copy);

        Assert.StartsWith("bytes=", _server.RequestsFor(Path)[1].Range);
        Assert.True(fetched.Transferred < _model.Length);
        Assert.True(copy.TryCommit(fetched.Blob));
        Assert.Equal(_model, await File.ReadAllBytesAsync(Destination));
    }

    [Fact]
    public async Task A_file_that_changed_since_the_partial_restarts_the_copy_from_zero()
    {
        var older = RandomNumberGenerator.GetBytes(_model.Length);
        _server.Serve(Path, older);
        _server.Script(Path, new LoopbackReply { DropAfter = 1_000_000 });
        using (var first = Fetcher(attempts: 1))
        using (var failed = new OutputCopy(Destination))
        {
            await Assert.ThrowsAsync<DiagnosticException>(() => FetchAsync(first, failed));
        }

        _server.Serve(Path, _model);
        using var fetcher = Fetcher();
        using var copy = new OutputCopy(Destination);
        var fetched = await FetchAsync(fetcher, copy);

        Assert.True(copy.TryCommit(fetched.Blob));
        Assert.Equal(_model, await File.ReadAllBytesAsync(Destination));
    }

    [Fact]
    public async Task A_cache_hit_leaves_the_copy_empty_so_the_caller_copies_the_blob_out()
    {
        using var fetcher = Fetcher();
        var stored = await FetchAsync(fetcher, copy: null);
        using var copy = new OutputCopy(Destination);

        var fetched = await FetchAsync(fetcher, copy);

        Assert.True(fetched.FromCache);
        Assert.Equal(stored.Blob, fetched.Blob);
        Assert.False(copy.TryCommit(fetched.Blob));
        Assert.False(File.Exists(copy.TempPath));
        Assert.False(File.Exists(Destination));
    }

    [Fact]
    public async Task An_output_folder_that_cannot_be_made_gives_the_copy_up_without_failing_the_download()
    {
        await File.WriteAllTextAsync(_root.Combine("out"), "a file where the output folder should be");
        using var fetcher = Fetcher();
        using var copy = new OutputCopy(Destination);

        var fetched = await FetchAsync(fetcher, copy);

        Assert.True(_cache.Content.Contains(fetched.Digest));
        Assert.False(copy.TryCommit(fetched.Blob));
    }

    private Task<FetchedContent> FetchAsync(SourceFetcher fetcher, OutputCopy? copy) =>
        fetcher.FetchAsync(Source(), Pin, At, null, copy, default);

    private SourceReference Source() => SourceReference.Parse(_server.BaseUrl + Path[1..], _root.FullPath, At);

    private SourceFetcher Fetcher(int attempts = 4) => new(
        _cache,
        new SourceFetcherOptions { Http = new HttpDownloadOptions { MaxAttempts = attempts, Wait = (_, _) => Task.CompletedTask } });
}
