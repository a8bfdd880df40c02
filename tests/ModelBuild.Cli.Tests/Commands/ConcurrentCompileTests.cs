using System.Globalization;
using System.Text.RegularExpressions;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary>
/// Engines started together on the same manifest and the same empty cache (two projects of one
/// <c>dotnet build -m</c>) all succeed, agree byte for byte, and compute every action once.
/// </summary>
public sealed partial class ConcurrentCompileTests : IDisposable
{
    // inspect and prepare.
    private const int DistinctActions = 2;

    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Two_engines_on_one_empty_cache_compute_each_action_once()
    {
        await CompileTogetherAsync(engines: 2, sameOutputFolder: false);
    }

    [Fact]
    public async Task Two_engines_writing_one_output_folder_leave_it_whole()
    {
        await CompileTogetherAsync(engines: 2, sameOutputFolder: true);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Many_engines_started_together_repeatedly_never_compute_an_action_twice()
    {
        for (var round = 0; round < 5; round++)
        {
            if (Directory.Exists(_workspace.CacheDir))
            {
                Directory.Delete(_workspace.CacheDir, recursive: true);
            }

            await CompileTogetherAsync(engines: 4, sameOutputFolder: round % 2 == 0);
        }
    }

    private async Task CompileTogetherAsync(int engines, bool sameOutputFolder)
    {
        var outputs = Enumerable.Range(0, engines)
            .Select(i => sameOutputFolder ? _workspace.OutputDir : Path.Combine(_workspace.Root, "out", $"engine-{i}"))
            .ToList();
        foreach (var output in outputs.Where(Directory.Exists))
        {
            Directory.Delete(output, recursive: true);
        }

        var results = await Task.WhenAll(outputs.Select(output =>
            EngineProcess.RunAsync(["compile", _workspace.ManifestPath, "--output-dir", output, "--cache-dir", _workspace.CacheDir])));

        Assert.All(results, r =>
        {
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("", r.StandardError);
        });
        var run = results.Sum(r => Counter(r, ActionsRunPattern()));
        var cached = results.Sum(r => Counter(r, ActionsCachedPattern()));
        Assert.True(
            run == DistinctActions,
            $"{run} actions computed by {engines} engines; expected each of the {DistinctActions} once:\n" + string.Join("\n", results));
        Assert.Equal(DistinctActions * (engines - 1), cached);

        // One record per key, and nothing left in flight.
        Assert.Equal(DistinctActions, _workspace.Snapshot().ActionRecords.Paths.Count);
        Assert.Empty(_workspace.CacheTempFiles());

        var first = FolderSnapshot.Of(outputs[0]);
        Assert.Equal(["buildinfo.json", "deps.txt", "model.json", "tiny.onnx"], first.Paths);
        foreach (var output in outputs.Skip(1))
        {
            FolderSnapshot.Of(output).AssertUnchangedSince(first);
        }

        var image = TinyConvNet.SampleInput(batch: 1);
        Assert.Equal(
            TinyConvNet.Run(_workspace.ModelBytes, image, batch: 1),
            TinyConvNet.Run(File.ReadAllBytes(Path.Combine(outputs[0], "tiny.onnx")), image, batch: 1));
    }

    private static int Counter(EngineResult result, Regex pattern)
    {
        var match = pattern.Match(result.StandardOutput);
        Assert.True(match.Success, result.ToString());
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"tiny -> onnx FP32: (\d+) actions run")]
    private static partial Regex ActionsRunPattern();

    [GeneratedRegex(@"actions run, (\d+) from cache\.")]
    private static partial Regex ActionsCachedPattern();
}
