using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Sources;

/// <summary>
/// The HTTP engine against a loopback server that fails on purpose: drops, stalls, ignored and
/// wrong ranges, 5xx and 429, redirects. Waits between attempts are recorded, not slept.
/// </summary>
public sealed class HttpEngineTests : IDisposable
{
    private const string Path = "/models/m.onnx";
    private static readonly SourceLocation At = new("models/m.yaml", 2, 14);

    private readonly TemporaryDirectory _root = new();
    private readonly LoopbackServer _server = new();
    private readonly ModelBuildCache _cache;
    private readonly byte[] _model = RandomNumberGenerator.GetBytes(3_000_000);
    private readonly ConcurrentQueue<TimeSpan> _waits = new();

    public HttpEngineTests()
    {
        _cache = ModelBuildCache.Open(_root.Combine("cache"));
        _server.Serve(Path, _model);
    }

    public void Dispose()
    {
        _server.Dispose();
        _root.Dispose();
    }

    private ContentPin Pin => ContentPin.From(Sha256Digest.Compute(_model), _model.Length);

    private SourceReference Source(string path = Path) => SourceReference.Parse(_server.BaseUrl.TrimEnd('/') + path, _root.FullPath, At);

    private SourceFetcher Fetcher(int attempts = 4, TimeSpan? idle = null, int parallel = 4) => new(_cache, new SourceFetcherOptions
    {
        MaxParallelDownloads = parallel,
        Http = new HttpDownloadOptions
        {
            MaxAttempts = attempts,
            ReadIdleTimeout = idle ?? TimeSpan.FromSeconds(30),
            Wait = (wait, _) =>
            {
                _waits.Enqueue(wait);
                return Task.CompletedTask;
            },
        },
    });

    private IReadOnlyList<string> PartialFiles => _root.FilesUnder(System.IO.Path.Combine("cache", "tmp", "partial"));

    private async Task AssertCachedIntactAsync(FetchedContent fetched)
    {
        Assert.Equal(Sha256Digest.Compute(_model), fetched.Digest);
        Assert.True(_cache.Content.TryGetPath(fetched.Digest, out var path));
        Assert.Equal(_model, await File.ReadAllBytesAsync(path));
        Assert.Empty(PartialFiles);
    }

    [Fact]
    public async Task A_connection_dropped_mid_body_resumes_from_the_offset_with_range_and_if_range()
    {
        _server.Script(Path, new LoopbackReply { DropAfter = 1_000_000 });
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(Source(), Pin, At);

        await AssertCachedIntactAsync(fetched);
        var requests = _server.RequestsFor(Path);
        Assert.Equal(2, requests.Count);
        Assert.Null(requests[0].Range);
        var offset = long.Parse(requests[1].Range!["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(offset, 1, 1_000_000);
        Assert.NotNull(requests[1].Header("If-Range"));
        Assert.Equal(_model.Length, fetched.Transferred);
    }

    [Fact]
    public async Task A_500_then_200_succeeds_after_one_jittered_backoff()
    {
        _server.Script(Path, LoopbackReply.WithStatus(500));
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(Source(), Pin, At);

        await AssertCachedIntactAsync(fetched);
        Assert.Equal(2, _server.RequestsFor(Path).Count);
        var wait = Assert.Single(_waits);
        Assert.InRange(wait, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_429_with_retry_after_waits_exactly_that_long()
    {
        _server.Script(Path, LoopbackReply.WithStatus(429, ("Retry-After", "7")), LoopbackReply.WithStatus(503, ("Retry-After", "2")));
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(Source(), Pin, At);

        await AssertCachedIntactAsync(fetched);
        Assert.Equal([TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(2)], _waits);
    }

    [Fact]
    public async Task A_retry_after_beyond_the_limit_is_MB2019_without_waiting()
    {
        _server.Script(Path, LoopbackReply.WithStatus(503, ("Retry-After", "86400")));
        using var fetcher = Fetcher();

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => fetcher.FetchAsync(Source(), Pin, At));

        Assert.Equal("MB2019", error.Diagnostic.Code);
        Assert.Empty(_waits);
        Assert.Single(_server.RequestsFor(Path));
    }

    [Fact]
    public async Task Backoff_doubles_per_attempt_within_the_jitter_band_and_stops_at_the_cap()
    {
        _server.Script(Path, [.. Enumerable.Repeat(LoopbackReply.WithStatus(502), 5)]);
        using var fetcher = new SourceFetcher(_cache, new SourceFetcherOptions
        {
            Http = new HttpDownloadOptions
            {
                MaxAttempts = 6,
                InitialRetryDelay = TimeSpan.FromSeconds(1),
                MaxRetryDelay = TimeSpan.FromSeconds(4),
                Wait = (wait, _) =>
                {
                    _waits.Enqueue(wait);
                    return Task.CompletedTask;
                },
            },
        });

        await fetcher.FetchAsync(Source(), Pin, At);

        var steps = new[] { 1.0, 2, 4, 4, 4 };
        Assert.Equal(steps.Length, _waits.Count);
        foreach (var (wait, step) in _waits.Zip(steps))
        {
            Assert.InRange(wait.TotalSeconds, step / 2, step);
        }
    }

    [Fact]
    public async Task A_server_that_ignores_range_and_answers_200_restarts_from_zero()
    {
        _server.Script(Path, new LoopbackReply { DropAfter = 800_000 }, new LoopbackReply { IgnoreRange = true });
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(Source(), Pin, At);

        await AssertCachedIntactAsync(fetched);
        var requests = _server.RequestsFor(Path);
        Assert.Equal(2, requests.Count);
        Assert.NotNull(requests[1].Range);
        Assert.InRange(fetched.Transferred, _model.Length + 1, _model.Length + 800_000);
    }

    [Fact]
    public async Task A_206_with_a_wrong_content_range_is_detected_and_the_download_restarts_clean()
    {
        _server.Script(Path, new LoopbackReply { DropAfter = 500_000 }, new LoopbackReply { WrongContentRange = "bytes 0-99/3000000" });
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(Source(), Pin, At);

        await AssertCachedIntactAsync(fetched);
        var requests = _server.RequestsFor(Path);
        Assert.Equal(3, requests.Count);
        Assert.NotNull(requests[1].Range);
        Assert.Null(requests[2].Range);
    }

    [Fact]
    public async Task A_body_longer_than_the_pinned_size_is_MB2018_at_once_and_leaves_nothing()
    {
        using var fetcher = Fetcher();
        var casBefore = _root.FilesUnder(System.IO.Path.Combine("cache", "cas"));

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => fetcher.FetchAsync(Source(), ContentPin.From(null, _model.Length - 10), At));

        Assert.Equal("MB2018", error.Diagnostic.Code);
        Assert.Equal(At, error.Diagnostic.Location);
        Assert.Single(_server.RequestsFor(Path));
        Assert.Equal(casBefore, _root.FilesUnder(System.IO.Path.Combine("cache", "cas")));
        Assert.Empty(PartialFiles);
    }

    [Fact]
    public async Task A_body_shorter_than_the_pinned_size_is_MB2012_naming_both_sizes()
    {
        using var fetcher = Fetcher();

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => fetcher.FetchAsync(Source(), ContentPin.From(null, _model.Length + 10), At));

        Assert.Equal("MB2012", error.Diagnostic.Code);
        Assert.Contains($"{_model.Length + 10} bytes", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains($"{_model.Length} bytes", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Empty(PartialFiles);
    }

    [Fact]
    public async Task A_digest_mismatch_is_MB2012_with_nothing_in_the_cache_and_no_partial_file()
    {
        using var fetcher = Fetcher();
        var casBefore = _root.FilesUnder(System.IO.Path.Combine("cache", "cas"));
        var wrong = Sha256Digest.Compute("another model"u8);

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => fetcher.FetchAsync(Source(), ContentPin.From(wrong, _model.Length), At));

        Assert.Equal("MB2012", error.Diagnostic.Code);
        Assert.Contains(wrong.Hex, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains(Sha256Digest.Compute(_model).Hex, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Single(_server.RequestsFor(Path));
        Assert.Equal(casBefore, _root.FilesUnder(System.IO.Path.Combine("cache", "cas")));
        Assert.Empty(_root.FilesUnder(System.IO.Path.Combine("cache", "tmp")));
    }

    [Fact]
    public async Task A_stalled_body_hits_the_read_timeout_and_the_retry_resumes()
    {
        _server.Script(Path, new LoopbackReply { StallAfter = 700_000 });
        using var fetcher = Fetcher(idle: TimeSpan.FromSeconds(2));

        var fetched = await fetcher.FetchAsync(Source(), Pin, At);

        await AssertCachedIntactAsync(fetched);
        var requests = _server.RequestsFor(Path);
        Assert.Equal(2, requests.Count);
        Assert.Equal("bytes=700000-", requests[1].Range);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_MB2014_after_every_attempt_timed_out()
    {
        _server.Script(Path, [.. Enumerable.Repeat(new LoopbackReply { StallBeforeHeaders = true }, 3)]);
        using var fetcher = Fetcher(attempts: 3, idle: TimeSpan.FromMilliseconds(200));

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => fetcher.FetchAsync(Source(), Pin, At));

        Assert.Equal("MB2014", error.Diagnostic.Code);
        Assert.Contains("after 3 attempts", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(3, _server.RequestsFor(Path).Count);
    }

    [Fact]
    public async Task A_404_is_one_clear_MB2013_and_no_retry()
    {
        using var fetcher = Fetcher();

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => fetcher.FetchAsync(Source("/models/absent.onnx"), Pin, At));

        Assert.Equal("MB2013", error.Diagnostic.Code);
        Assert.Contains("404", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Single(_server.RequestsFor("/models/absent.onnx"));
        Assert.Empty(_waits);
    }

    [Fact]
    public async Task A_redirect_from_https_to_http_is_refused_with_MB2016()
    {
        using var tls = new LoopbackServer(tls: true);
        tls.Serve(Path, _model);
        tls.Script(Path, LoopbackReply.Redirect(_server.BaseUrl.TrimEnd('/') + Path));
        using var fetcher = TrustingFetcher(tls);

        var error = await Assert.ThrowsAsync<DiagnosticException>(() =>
            fetcher.FetchAsync(SourceReference.Parse(tls.BaseUrl.TrimEnd('/') + Path, _root.FullPath, At), Pin, At));

        Assert.Equal("MB2016", error.Diagnostic.Code);
        Assert.Contains("https to plain http", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_redirect_to_another_origin_keeps_no_credentials()
    {
        using var other = new LoopbackServer();
        other.Serve("/cdn/m.onnx", _model);
        _server.Script(Path, LoopbackReply.Redirect(other.BaseUrl + "cdn/m.onnx", 307));
        using var fetcher = Fetcher();
        var source = SourceReference.Parse(
            _server.BaseUrl.Replace("http://", "http://alice:secret@", StringComparison.Ordinal).TrimEnd('/') + Path,
            _root.FullPath,
            At);

        var fetched = await fetcher.FetchAsync(source, Pin, At);

        await AssertCachedIntactAsync(fetched);
        Assert.NotNull(Assert.Single(_server.RequestsFor(Path)).Authorization);
        Assert.Null(Assert.Single(other.Requests).Authorization);
    }

    [Fact]
    public async Task A_redirect_loop_is_MB2017()
    {
        _server.Script(Path, [.. Enumerable.Repeat(LoopbackReply.Redirect(Path), 20)]);
        using var fetcher = Fetcher();

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => fetcher.FetchAsync(Source(), Pin, At));

        Assert.Equal("MB2017", error.Diagnostic.Code);
        Assert.Equal(11, _server.RequestsFor(Path).Count);
    }

    [Fact]
    public async Task Eight_files_with_four_download_slots_never_run_more_than_four_at_once()
    {
        _server.BytesPerSecondPerConnection = 2_000_000;
        var files = Enumerable.Range(0, 8).Select(i => (Path: $"/many/{i}.bin", Body: RandomNumberGenerator.GetBytes(400_000))).ToList();
        foreach (var (path, body) in files)
        {
            _server.Serve(path, body);
        }

        using var fetcher = Fetcher(parallel: 4);

        var fetched = await Task.WhenAll(
            files.Select(f => fetcher.FetchAsync(Source(f.Path), ContentPin.From(Sha256Digest.Compute(f.Body), f.Body.Length), At)));

        Assert.Equal(files.Select(f => Sha256Digest.Compute(f.Body)), fetched.Select(f => f.Digest));
        Assert.InRange(_server.PeakConcurrency, 2, 4);
    }

    [Fact]
    public async Task A_download_cut_short_in_one_run_resumes_in_the_next_instead_of_restarting()
    {
        _server.Script(Path, new LoopbackReply { DropAfter = 1_200_000 });
        using (var first = Fetcher(attempts: 1))
        {
            await Assert.ThrowsAsync<DiagnosticException>(() => first.FetchAsync(Source(), Pin, At));
        }

        Assert.NotEmpty(PartialFiles);
        Assert.All(PartialFiles, name => Assert.Matches("^[0-9a-f]{64}\\.(part|json)$", name));

        using var second = Fetcher();
        var fetched = await second.FetchAsync(Source(), Pin, At);

        await AssertCachedIntactAsync(fetched);
        var resumed = _server.RequestsFor(Path)[^1];
        Assert.StartsWith("bytes=", resumed.Range, StringComparison.Ordinal);
        Assert.Equal(
            _model.Length - long.Parse(resumed.Range!["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture),
            fetched.Transferred);
    }

    [Fact]
    public async Task A_partial_file_of_a_changed_file_is_not_spliced_if_range_restarts_it()
    {
        _server.Script(Path, new LoopbackReply { DropAfter = 1_000_000 });
        using (var first = Fetcher(attempts: 1))
        {
            await Assert.ThrowsAsync<DiagnosticException>(() => first.FetchAsync(Source(), ContentPin.None, At));
        }

        var changed = RandomNumberGenerator.GetBytes(2_000_000);
        _server.Serve(Path, changed);
        using var second = Fetcher();

        var fetched = await second.FetchAsync(Source(), ContentPin.None, At);

        Assert.Equal(Sha256Digest.Compute(changed), fetched.Digest);
        Assert.NotNull(_server.RequestsFor(Path)[^1].Range);
    }

    [Fact]
    public async Task A_sha384_pin_is_checked_while_streaming_and_found_in_the_cache_next_time()
    {
        var sha384 = ContentDigest.FromHash(DigestAlgorithm.Sha384, SHA384.HashData(_model));
        var pin = new ContentPin([sha384], _model.Length);
        using var fetcher = Fetcher();

        var first = await fetcher.FetchAsync(Source(), pin, At);
        var second = await fetcher.FetchAsync(Source(), pin, At);

        await AssertCachedIntactAsync(first);
        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Single(_server.RequestsFor(Path));
    }

    [Fact]
    public async Task Three_digests_of_a_large_file_stay_right_across_a_drop_and_a_restart_while_their_workers_lag()
    {
        // Many more chunks than the hashing workers may hold, a resume, then a 200 that restarts from zero while
        // chunks of the first response may still be queued: every digest must cover exactly the final bytes.
        var large = RandomNumberGenerator.GetBytes(24 << 20);
        _server.Serve("/large.bin", large);
        _server.Script(
            "/large.bin",
            new LoopbackReply { DropAfter = 5_000_000 },
            new LoopbackReply { DropAfter = 3_000_000 },
            new LoopbackReply { IgnoreRange = true });
        var pin = new ContentPin(
            [
                ContentDigest.FromHash(DigestAlgorithm.Sha384, SHA384.HashData(large)),
                ContentDigest.FromHash(DigestAlgorithm.Sha512, SHA512.HashData(large)),
                ContentDigest.FromSha256(Sha256Digest.Compute(large)),
            ],
            large.Length);
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(Source("/large.bin"), pin, At);

        Assert.Equal(Sha256Digest.Compute(large), fetched.Digest);
        Assert.True(_cache.Content.TryGetPath(fetched.Digest, out var stored));
        Assert.Equal(large, await File.ReadAllBytesAsync(stored));
        Assert.Equal(3, _server.RequestsFor("/large.bin").Count);
        // A reset connection may lose bytes already sent: the resume starts where the client's data ended.
        var resumedAt = long.Parse(
            _server.RequestsFor("/large.bin")[1].Range!["bytes=".Length..].TrimEnd('-'),
            CultureInfo.InvariantCulture);
        Assert.InRange(resumedAt, 1, 5_000_000);
        Assert.Empty(PartialFiles);
    }

    [Fact]
    public async Task A_wrong_sha384_pin_is_MB2012_and_nothing_is_stored()
    {
        var wrong = ContentDigest.FromHash(DigestAlgorithm.Sha384, SHA384.HashData("not the model"u8));
        using var fetcher = Fetcher();
        var casBefore = _root.FilesUnder(System.IO.Path.Combine("cache", "cas"));

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => fetcher.FetchAsync(Source(), new ContentPin([wrong], _model.Length), At));

        Assert.Equal("MB2012", error.Diagnostic.Code);
        Assert.Contains("sha384 " + wrong.Hex, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("sha384 " + Convert.ToHexStringLower(SHA384.HashData(_model)), error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(casBefore, _root.FilesUnder(System.IO.Path.Combine("cache", "cas")));
        Assert.Empty(PartialFiles);
    }

    [Fact]
    public async Task Progress_reports_start_bytes_and_end_for_a_download_and_a_cache_hit()
    {
        var progress = new RecordingProgress();
        using var fetcher = Fetcher();

        await fetcher.FetchAsync(Source(), Pin, At, progress);
        await fetcher.FetchAsync(Source(), Pin, At, progress);

        Assert.Equal(2, progress.Starts.Count);
        Assert.Equal("127.0.0.1", progress.Starts[0].Host);
        Assert.Equal(_model.Length, progress.Starts[0].ExpectedSize);
        Assert.Equal(_model.Length, progress.Steps[^1].BytesReceived);
        Assert.True(progress.Steps.Select(p => p.BytesReceived).SequenceEqual(progress.Steps.Select(p => p.BytesReceived).Order()));
        Assert.Equal([false, true], progress.Ends.Select(f => f.FromCache));
        Assert.All(progress.Ends, f => Assert.True(f.Succeeded));
    }

    private SourceFetcher TrustingFetcher(LoopbackServer tls, EnvironmentProxy? proxy = null)
    {
        var options = new HttpDownloadOptions { MaxAttempts = 2, Wait = (_, _) => Task.CompletedTask };
        var handler = SourceHttpClient.CreateHandler(options, proxy ?? EnvironmentProxy.FromVariables(_ => null));
        var expected = tls.Certificate!.GetCertHashString();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == expected;
        return new SourceFetcher(_cache, new SourceFetcherOptions { Http = options }, SourceHttpClient.Wrap(handler));
    }

    [Fact]
    public async Task An_https_proxy_from_the_environment_tunnels_the_download()
    {
        using var tls = new LoopbackServer(tls: true);
        tls.Serve(Path, _model);
        using var proxy = new LoopbackServer { TunnelPort = tls.Port };
        var variables = new Dictionary<string, string>
        {
            ["https_proxy"] = $"http://127.0.0.1:{proxy.Port}",
            ["no_proxy"] = "localhost,.internal"
        };
        using var fetcher = TrustingFetcher(tls, EnvironmentProxy.FromVariables(variables.GetValueOrDefault));
        var source = SourceReference.Parse($"https://models.test:{tls.Port}{Path}", _root.FullPath, At);

        var fetched = await fetcher.FetchAsync(source, Pin, At);

        await AssertCachedIntactAsync(fetched);
        var connect = Assert.Single(proxy.Requests);
        Assert.Equal("CONNECT", connect.Method);
        Assert.Equal($"models.test:{tls.Port}", connect.Target);
        Assert.Single(tls.RequestsFor(Path));
    }

    /// <summary>Keeps every progress event.</summary>
    private sealed class RecordingProgress : IDownloadProgress
    {
        public List<DownloadStarted> Starts { get; } = [];

        public List<DownloadProgressed> Steps { get; } = [];

        public List<DownloadFinished> Ends { get; } = [];

        public void Started(DownloadStarted started)
        {
            lock (this)
            {
                Starts.Add(started);
            }
        }

        public void Progressed(DownloadProgressed progressed)
        {
            lock (this)
            {
                Steps.Add(progressed);
            }
        }

        public void Finished(DownloadFinished finished)
        {
            lock (this)
            {
                Ends.Add(finished);
            }
        }
    }
}
