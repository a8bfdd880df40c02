using ModelBuild.Core.Cache;
using ModelBuild.Core.Onnx;
using static ModelBuild.Core.Tests.Pipeline.ModelCompilerTests;

namespace ModelBuild.Core.Tests.Pipeline;

public sealed class ModelCompilerCacheTests : IDisposable
{
    // inspect (the model's signature) and prepare (shapes fixed, checked in ONNX Runtime).
    private const int ActionsPerModel = 2;

    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task A_cold_cache_runs_every_action_and_a_warm_one_none_with_identical_results()
    {
        var cold = await _workspace.CompileAsync();
        var afterCold = _workspace.Snapshot();
        var warm = await _workspace.CompileAsync();

        Assert.Equal((ActionsPerModel, 0), (cold.ActionsRun, cold.ActionsCached));
        Assert.Equal((0, ActionsPerModel), (warm.ActionsRun, warm.ActionsCached));
        var coldFile = Assert.Single(AssertSucceeded(cold).Files);
        var warmFile = Assert.Single(AssertSucceeded(warm).Files);
        Assert.Equal(coldFile, warmFile);
        Assert.Equal(_workspace.ReadCompiled(coldFile), _workspace.ReadCompiled(warmFile));
        Assert.Equal(AssertSucceeded(cold).Inputs.Single().Shape, AssertSucceeded(warm).Inputs.Single().Shape);
        Assert.Equal(cold.Dependencies, warm.Dependencies);
        _workspace.Snapshot().AssertUnchangedSince(afterCold);
        Assert.Equal(ActionsPerModel, afterCold.ActionRecords.Paths.Count);
    }

    [Fact]
    public async Task Changing_the_manifest_shape_runs_prepare_again_but_not_inspect()
    {
        var first = await _workspace.CompileAsync();
        var before = _workspace.Snapshot();
        _workspace.WriteManifest("input_model: tiny.onnx\nshape: [2, 3, 8, 8]\n");

        var second = await _workspace.CompileAsync();

        Assert.Equal((1, 1), (second.ActionsRun, second.ActionsCached));
        Assert.Equal([2L, 3, 8, 8], AssertSucceeded(second).Inputs.Single().Shape);
        Assert.NotEqual(AssertSucceeded(first).Files[0].Blob, AssertSucceeded(second).Files[0].Blob);

        // One new action record (the new prepare key); the inspect record and the first prepare's stay as they were.
        var added = _workspace.Snapshot().ActionRecords.ChangesSince(before.ActionRecords);
        Assert.Single(added, c => c.StartsWith("+ ", StringComparison.Ordinal));
        Assert.Single(added);
    }

    [Fact]
    public async Task A_different_salt_runs_every_action_again_with_the_same_result()
    {
        var unsalted = await _workspace.CompileAsync();
        var salted = await _workspace.CompileAsync(salt: "poisoned-2024");
        var saltedAgain = await _workspace.CompileAsync(salt: "poisoned-2024");

        Assert.Equal((ActionsPerModel, 0), (salted.ActionsRun, salted.ActionsCached));
        Assert.Equal((0, ActionsPerModel), (saltedAgain.ActionsRun, saltedAgain.ActionsCached));
        Assert.Equal(AssertSucceeded(unsalted).Files[0].Blob, AssertSucceeded(salted).Files[0].Blob);
        Assert.Equal(2 * ActionsPerModel, _workspace.Snapshot().ActionRecords.Paths.Count);
    }

    [Fact]
    public async Task Editing_the_model_file_runs_every_action_again()
    {
        await _workspace.CompileAsync();
        var edited = TinyConvNet.Build();
        edited.Graph.Initializer.Single(t => t.Name == "b2").RawData = RawTensor.Create("b2", [5f, -5f], [2]).RawData;
        var editedBytes = OnnxModelFile.Write(edited);
        File.WriteAllBytes(_workspace.ModelPath, editedBytes);

        var outcome = await _workspace.CompileAsync();

        Assert.Equal((ActionsPerModel, 0), (outcome.ActionsRun, outcome.ActionsCached));
        var compiled = _workspace.ReadCompiled(AssertSucceeded(outcome).Files[0]);
        var image = TinyConvNet.SampleInput(batch: 1);
        Assert.Equal(TinyConvNet.Run(editedBytes, image, batch: 1), TinyConvNet.Run(compiled, image, batch: 1));
        Assert.NotEqual(TinyConvNet.Run(_workspace.ModelBytes, image, batch: 1), TinyConvNet.Run(compiled, image, batch: 1));
    }

    [Fact]
    public async Task Two_separate_caches_end_up_byte_identical()
    {
        var otherCache = Path.Combine(_workspace.Root, "other-cache");

        var first = await _workspace.CompileAsync();
        var second = await _workspace.CompileAsync(cacheDir: otherCache);

        Assert.Equal(AssertSucceeded(first).Files, AssertSucceeded(second).Files);
        Assert.Equal(_workspace.ReadCompiled(first.Model!.Files[0]), _workspace.ReadCompiled(second.Model!.Files[0], otherCache));

        // Same keys, same records, same blobs: what one machine computes, another can serve.
        Assert.Empty(FolderSnapshot.Of(Path.Combine(otherCache, "cas")).ChangesSince(_workspace.Snapshot().Blobs));
        Assert.Empty(FolderSnapshot.Of(Path.Combine(otherCache, "ac")).ChangesSince(_workspace.Snapshot().ActionRecords));
        Assert.Empty(_workspace.CacheTempFiles());
    }

    [Fact]
    public async Task A_cache_hit_whose_blob_was_corrupted_is_computed_again()
    {
        var first = await _workspace.CompileAsync();
        var blob = AssertSucceeded(first).Files[0].Blob;
        var path = Path.Combine(_workspace.CacheDir, "cas", "sha256", blob.Digest.Hex[..2], blob.Digest.Hex);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        var second = await _workspace.CompileAsync();

        Assert.Equal((1, 1), (second.ActionsRun, second.ActionsCached));
        Assert.Equal(blob, AssertSucceeded(second).Files[0].Blob);
        Assert.Equal(blob.Size, new FileInfo(path).Length);
        Assert.Equal(blob.Digest, Sha256Digest.ComputeFile(path));
    }
}
