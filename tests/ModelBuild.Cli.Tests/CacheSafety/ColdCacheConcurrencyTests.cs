using ModelBuild.Core.Cache;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Core.Tests.Sources;

namespace ModelBuild.Cli.Tests.CacheSafety;

/// <summary>
/// Eight engines started together on one cold cache for one model served over HTTP: one download,
/// each action computed once, eight byte-identical outputs.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ColdCacheConcurrencyTests : IDisposable
{
    private const int Engines = 8;

    private readonly EngineWorkspace _workspace = new();
    private readonly LoopbackServer _source = new();

    public void Dispose()
    {
        _source.Dispose();
        _workspace.Dispose();
    }

    [Fact]
    public async Task Eight_engines_on_a_cold_cache_download_once_compute_once_and_agree_byte_for_byte()
    {
        _source.Serve("/tiny.onnx", _workspace.ModelBytes);
        _workspace.WriteManifest($"""
            input_model:
              source: {_source.BaseUrl}tiny.onnx
              sha256: {Sha256Digest.Compute(_workspace.ModelBytes)}
            shape: [1, 3, 8, 8]
            """);
        var outputs = Enumerable.Range(0, Engines).Select(i => Path.Combine(_workspace.Root, "out", $"engine-{i}")).ToList();

        var results = await Task.WhenAll(outputs.Select(output => EngineRequests.CompileAsync(_workspace, _workspace.CacheDir, output)));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        Assert.Single(_source.Requests);
        var actions = results.Select(EngineRequests.Actions).ToList();
        Assert.Equal(2, actions.Sum(a => a.Run));
        Assert.Equal(2 * (Engines - 1), actions.Sum(a => a.Cached));
        var first = File.ReadAllBytes(Path.Combine(outputs[0], "tiny.onnx"));
        Assert.All(outputs.Skip(1), o => Assert.Equal(first, File.ReadAllBytes(Path.Combine(o, "tiny.onnx"))));
        Assert.Empty(_workspace.CacheTempFiles());
    }
}
