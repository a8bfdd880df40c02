using System.Security.Cryptography;
using System.Text;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Sources;

public sealed class HttpFetchTests : IDisposable
{
    private static readonly SourceLocation At = new("models/m.yaml", 2, 14);

    private readonly TemporaryDirectory _root = new();
    private readonly LoopbackServer _server = new();
    private readonly ModelBuildCache _cache;
    private readonly SourceFetcher _fetcher;
    private readonly byte[] _model = RandomNumberGenerator.GetBytes(150_000);

    public HttpFetchTests()
    {
        _cache = ModelBuildCache.Open(_root.Combine("cache"));
        _fetcher = new SourceFetcher(
            _cache,
            new SourceFetcherOptions { Http = new HttpDownloadOptions { Wait = (_, _) => Task.CompletedTask } });
        _server.Serve("/models/m.onnx", _model);
    }

    public void Dispose()
    {
        _fetcher.Dispose();
        _server.Dispose();
        _root.Dispose();
    }

    private SourceReference Source(string pathAndQuery) => SourceReference.Parse(_server.BaseUrl + pathAndQuery, _root.FullPath, At);

    [Fact]
    public async Task A_pinned_download_lands_in_the_cache_without_warnings()
    {
        var digest = Sha256Digest.Compute(_model);

        var fetched = await _fetcher.FetchAsync(Source("models/m.onnx"), digest, _model.Length, At);

        Assert.Equal(
            (digest, (long)_model.Length, (string?)null, false, (long)_model.Length),
            (fetched.Digest, fetched.Size, fetched.LocalPath, fetched.FromCache, fetched.Transferred));
        Assert.Empty(fetched.Warnings);
        Assert.True(_cache.Content.Contains(digest));
    }

    [Fact]
    public async Task An_unpinned_download_succeeds_with_an_MB2015_warning_reporting_the_digest()
    {
        var fetched = await _fetcher.FetchAsync(Source("models/m.onnx"), at: At);

        Assert.Equal(Sha256Digest.Compute(_model), fetched.Digest);
        var warning = Assert.Single(fetched.Warnings);
        Assert.Equal("MB2015", warning.Code);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal(At, warning.Location);
        Assert.Contains(fetched.Digest.Hex, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pinned_digest_already_in_the_cache_needs_no_network()
    {
        var stored = await _cache.Content.PutAsync(_model);
        var nobodyListens = SourceReference.Parse($"http://127.0.0.1:{LoopbackServer.FreePort()}/models/m.onnx", _root.FullPath, At);

        var fetched = await _fetcher.FetchAsync(nobodyListens, stored.Digest, stored.Size, At);

        Assert.Equal(stored, fetched.Blob);
        Assert.Empty(fetched.Warnings);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_404_is_MB2013_with_the_status_and_the_redacted_url()
    {
        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => _fetcher.FetchAsync(Source("models/absent.onnx?token=s3cr3t"), at: At));

        Assert.Equal("MB2013", error.Diagnostic.Code);
        Assert.Equal(At, error.Diagnostic.Location);
        Assert.Contains("404", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains(_server.BaseUrl + "models/absent.onnx?token=***", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_download_that_does_not_match_its_pin_is_MB2012_and_leaves_cas_and_tmp_untouched()
    {
        var pinned = Sha256Digest.Compute("the model we expected"u8);
        var casBefore = _root.FilesUnder(Path.Combine("cache", "cas"));

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => _fetcher.FetchAsync(Source("models/m.onnx"), pinned, at: At));

        Assert.Equal("MB2012", error.Diagnostic.Code);
        Assert.Equal(At, error.Diagnostic.Location);
        Assert.Contains(_server.BaseUrl + "models/m.onnx", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains(pinned.Hex, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains(Sha256Digest.Compute(_model).Hex, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(casBefore, _root.FilesUnder(Path.Combine("cache", "cas")));
        Assert.Empty(_root.FilesUnder(Path.Combine("cache", "tmp")));
    }

    [Fact]
    public async Task A_server_that_is_not_there_is_MB2014()
    {
        var nobodyListens = SourceReference.Parse($"http://127.0.0.1:{LoopbackServer.FreePort()}/m.onnx", _root.FullPath, At);

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => _fetcher.FetchAsync(nobodyListens, at: At));

        Assert.Equal("MB2014", error.Diagnostic.Code);
        Assert.Equal(At, error.Diagnostic.Location);
    }

    [Fact]
    public async Task Credentials_in_the_url_are_sent_as_basic_authorization_and_not_printed()
    {
        var source = SourceReference.Parse(
            _server.BaseUrl.Replace("http://", "http://alice:p%40ss@", StringComparison.Ordinal) + "models/m.onnx",
            _root.FullPath,
            At);

        var fetched = await _fetcher.FetchAsync(source, at: At);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:p@ss")), request.Authorization);
        Assert.DoesNotContain("p%40ss", Assert.Single(fetched.Warnings).Message, StringComparison.Ordinal);
        Assert.Contains("***@", fetched.Warnings[0].Message, StringComparison.Ordinal);
    }
}
