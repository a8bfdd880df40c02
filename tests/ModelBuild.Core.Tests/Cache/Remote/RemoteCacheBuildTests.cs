using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Core.Tests.Sources;

namespace ModelBuild.Core.Tests.Cache.Remote;

/// <summary>
/// Whole model compiles with a remote tier: two cache roots ("two machines") sharing one Redis, the
/// model pinned and served over HTTP by a loopback source that counts its downloads.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RemoteCacheBuildTests : IDisposable
{
    private const int ActionsPerModel = 2;

    private readonly EngineWorkspace _workspace = new();
    private readonly LoopbackServer _source = new();
    private readonly RedisServer _redis = new();
    private readonly List<Diagnostic> _reported = [];

    public RemoteCacheBuildTests()
    {
        _source.Serve("/models/tiny.onnx", _workspace.ModelBytes);
        WriteManifest(batch: 1);
    }

    public void Dispose()
    {
        _redis.Dispose();
        _source.Dispose();
        _workspace.Dispose();
    }

    [Fact]
    public async Task A_second_machine_downloads_nothing_from_the_source_and_computes_nothing()
    {
        var (first, firstRemote) = await CompileAsync("machine-a");
        Assert.Equal((ActionsPerModel, 0), (first.ActionsRun, first.ActionsCached));
        Assert.Single(_source.Requests);
        // The pinned source, the original signature, the prepared model, its signature and its report.
        Assert.Equal((5, ActionsPerModel), (firstRemote.BlobsUploaded, firstRemote.ActionsUploaded));

        var (second, secondRemote) = await CompileAsync("machine-b");

        Assert.Single(_source.Requests);
        Assert.Equal((0, ActionsPerModel), (second.ActionsRun, second.ActionsCached));
        Assert.Equal(ActionsPerModel, secondRemote.ActionsDownloaded);
        Assert.Equal((0, 0), (secondRemote.BlobsUploaded, secondRemote.ActionsUploaded));
        var file = Assert.Single(second.Model!.Files);
        Assert.Equal(Assert.Single(first.Model!.Files), file);
        Assert.Equal(_workspace.ReadCompiled(file, Root("machine-a")), _workspace.ReadCompiled(file, Root("machine-b")));
        Assert.Empty(_reported);
    }

    [Fact]
    public async Task Redis_killed_mid_build_is_one_warning_and_every_model_still_compiles()
    {
        var options = new CacheOptions { Root = Root("machine-a"), RemoteCache = _redis.Address, RemoteTimeout = TimeSpan.FromSeconds(10) };
        using var cache = ModelBuildCache.Open(options, Report);
        using var fetcher = new SourceFetcher(cache);
        var compiler = new ModelCompiler(cache, fetcher, EngineIdentity.Current, salt: null);

        var before = await compiler.CompileAsync(_workspace.Request());
        _redis.Kill();
        WriteManifest(batch: 2);
        var during = await compiler.CompileAsync(_workspace.Request());
        WriteManifest(batch: 3);
        var after = await compiler.CompileAsync(_workspace.Request());

        Assert.All([before, during, after], o => Assert.True(o.Succeeded, string.Join("\n", o.Diagnostics)));
        Assert.Equal([1, 1], new[] { during.ActionsRun, after.ActionsRun });
        var warning = Assert.Single(_reported);
        Assert.Equal("MB3010", warning.Code);
        Assert.Contains(_redis.Address, warning.Message, StringComparison.Ordinal);
        Assert.True(cache.Remote!.Faulted);
    }

    [Fact]
    public async Task A_read_only_machine_uses_the_remote_but_adds_nothing_to_it()
    {
        await CompileAsync("machine-a");
        WriteManifest(batch: 4);

        var (second, remote) = await CompileAsync("machine-b", readOnly: true);

        // inspect comes from the remote; prepare for the new shape is computed here and kept here.
        Assert.Equal((1, 1), (second.ActionsRun, second.ActionsCached));
        Assert.Equal((0, 0), (remote.BlobsUploaded, remote.ActionsUploaded));
        var (third, _) = await CompileAsync("machine-c");
        Assert.Equal((1, 1), (third.ActionsRun, third.ActionsCached));
    }

    private async Task<(ModelCompileOutcome Outcome, RemoteCacheCounts Remote)> CompileAsync(string machine, bool readOnly = false)
    {
        var options = new CacheOptions
        {
            Root = Root(machine),
            RemoteCache = _redis.Address,
            RemoteCacheReadOnly = readOnly,
            RemoteTimeout = TimeSpan.FromSeconds(10)
        };
        using var cache = ModelBuildCache.Open(options, Report);
        using var fetcher = new SourceFetcher(cache);
        var outcome = await new ModelCompiler(cache, fetcher, EngineIdentity.Current, salt: null).CompileAsync(_workspace.Request());
        Assert.True(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        var remote = cache.Remote!;
        return (outcome, new RemoteCacheCounts(remote.BlobsUploaded, remote.ActionsUploaded, remote.ActionsDownloaded));
    }

    private void WriteManifest(int batch) => _workspace.WriteManifest($"""
        input_model:
          source: {_source.BaseUrl}models/tiny.onnx
          sha256: {Sha256Digest.Compute(_workspace.ModelBytes)}
        shape: [{batch}, 3, 8, 8]
        """);

    private string Root(string machine) => Path.Combine(_workspace.Root, machine);

    private void Report(Diagnostic diagnostic)
    {
        lock (_reported)
        {
            _reported.Add(diagnostic);
        }
    }

    private sealed record RemoteCacheCounts(int BlobsUploaded, int ActionsUploaded, int ActionsDownloaded);
}
