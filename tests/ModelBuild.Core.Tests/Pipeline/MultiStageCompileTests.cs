using System.Text.Json.Nodes;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Tensors;
using static ModelBuild.Core.Tests.Pipeline.ModelCompilerTests;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>
/// A manifest with <c>stages:</c> compiles every stage through the same steps: one model per stage, named
/// <c>&lt;model&gt;.&lt;stage&gt;</c>, each with its own settings and keys; the model describes its main stage; overrides address
/// stages as ModelConverter's do; a stage calibrates on an earlier stage's outputs.
/// </summary>
public sealed class MultiStageCompileTests : IDisposable
{
    // The first stage is the engine tests' TinyConvNet (x: [N,3,8,8] -> y: [N,2,8,8]); the second takes its output.
    private const string Manifest = """
        stages:
          first:
            input_model: tiny.onnx
            shape: [1, 3, 8, 8]
          second:
            input_model: head.onnx
            inputs:
              - name: features
                shape: [1, 2, 8, 8]
                encoding: NONE
                calibration: {stage: first, output: y}
        """;

    private readonly EngineWorkspace _workspace = new(Manifest);

    public MultiStageCompileTests() => _workspace.WriteModelsFile("head.onnx", OnnxModelFile.Write(Head()));

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Every_stage_compiles_to_its_own_model_named_after_the_model_and_the_stage()
    {
        var model = AssertSucceeded(await _workspace.CompileAsync());

        Assert.Equal("first", model.MainStage);
        Assert.Equal(["first", "second"], model.Stages.Select(s => s.Stage));
        Assert.Equal(["tiny.first.onnx", "tiny.second.onnx"], model.Files.Select(f => f.FileName));
        Assert.Equal([1L, 3, 8, 8], Assert.Single(model.Inputs).Shape);
        Assert.Equal([1L, 2, 8, 8], Assert.Single(model.Stages[1].Inputs).Shape);
        Assert.Equal("scores", Assert.Single(model.Stages[1].Outputs).Name);

        // One build record keyed by stage, as ModelConverter's multi-stage buildinfo.json; each stage's actions have their own keys.
        var info = model.BuildInfo!;
        Assert.Equal(["first", "second"], info.Select(p => p.Key));
        var firstKeys = Keys(info["first"]!);
        var secondKeys = Keys(info["second"]!);
        Assert.Empty(firstKeys.Intersect(secondKeys));

        // Each stage's model runs: the second on what the first computes.
        var features = Run(model.Files[0], "x", [1, 3, 8, 8], TinyConvNet.SampleInput(1));
        var scores = Run(model.Files[1], "features", [1, 2, 8, 8], features.ToArray<float>());
        Assert.Equal([1L, 4], scores.Shape);
    }

    [Fact]
    public async Task The_main_stage_is_what_the_model_describes_and_a_second_compile_is_all_cached_and_identical()
    {
        var request = _workspace.Request() with { MainStage = "second" };
        var first = AssertSucceeded(await _workspace.CompileAsync(request));
        var again = await _workspace.CompileAsync(request);

        Assert.Equal("second", first.MainStage);
        Assert.Equal("features", Assert.Single(first.Inputs).Name);
        Assert.Equal(["tiny.second.onnx", "tiny.first.onnx"], first.Files.Select(f => f.FileName));
        Assert.Equal(0, again.ActionsRun);
        Assert.Equal(first.Files, AssertSucceeded(again).Files);
        Assert.Equal(BuildInfo.ToBytes(first.BuildInfo!), BuildInfo.ToBytes(again.Model!.BuildInfo!));
    }

    [Fact]
    public async Task An_override_addresses_a_stage_by_name()
    {
        var request = _workspace.Request() with
        {
            Overrides = ManifestOverrides.Parse("stages.second.inputs.0.shape=[2,2,8,8];stages.first.shape=[2,3,8,8]"),
        };

        var model = AssertSucceeded(await _workspace.CompileAsync(request));

        Assert.Equal([2L, 3, 8, 8], Assert.Single(model.Stages[0].Inputs).Shape);
        Assert.Equal([2L, 2, 8, 8], Assert.Single(model.Stages[1].Inputs).Shape);
    }

    [Fact]
    public async Task A_stage_calibrates_on_the_earlier_stage_outputs_the_same_way_in_every_cache()
    {
        var request = _workspace.Request("onnx", "FP32-INT8");
        var model = AssertSucceeded(await _workspace.CompileAsync(request));
        var elsewhere = AssertSucceeded(await _workspace.CompileAsync(request, cacheDir: Path.Combine(_workspace.Root, "other-cache")));

        // The first stage calibrates on its default random data (20 samples); the second on the first's 20 outputs, as .npy files.
        var quantize = Action(model.BuildInfo!["second"]!, "quantize");
        Assert.Equal(Action(elsewhere.BuildInfo!["second"]!, "quantize")["key"]!.ToString(), quantize["key"]!.ToString());
        Assert.Equal(model.Files.Select(f => f.Blob.Digest), elsewhere.Files.Select(f => f.Blob.Digest));
        Assert.Empty(_workspace.CacheTempFiles());

        // Other data for the first stage gives the second other outputs to calibrate on: a new quantize key for both.
        File.WriteAllText(_workspace.ManifestPath, Manifest.Replace(
            "    shape: [1, 3, 8, 8]\n",
            "    shape: [1, 3, 8, 8]\n    calibration: {max_images: 10, mean: 60}\n",
            StringComparison.Ordinal));
        var changed = AssertSucceeded(await _workspace.CompileAsync(request));
        Assert.NotEqual(Action(model.BuildInfo!["first"]!, "quantize")["key"]!.ToString(),
            Action(changed.BuildInfo!["first"]!, "quantize")["key"]!.ToString());
        Assert.NotEqual(quantize["key"]!.ToString(), Action(changed.BuildInfo!["second"]!, "quantize")["key"]!.ToString());
    }

    [Fact]
    public async Task A_linked_calibration_in_the_cache_is_restored_without_running_the_earlier_stage_again()
    {
        var request = _workspace.Request("onnx", "FP32-INT8");
        const string Linked = "tiny.second: calibrate on output 'y' of stage 'first'";
        var model = AssertSucceeded(await _workspace.CompileAsync(request));
        var run = await _workspace.CompileAsync(request);
        Assert.Contains(model.Stages, s => s.Stage == "second");
        Assert.Equal(0, run.ActionsRun);
        Assert.Contains(run.Actions, a => a.Description == Linked && a.Cached);

        // Without the second stage's quantize record, the quantize action runs again on the restored tensors: the same key, the same
        // model, and the linked stage's run still comes from the cache.
        var quantize = Action(model.BuildInfo!["second"]!, "quantize")["key"]!.ToString();
        File.Delete(Path.Combine(_workspace.CacheDir, "ac", quantize[..2], quantize + ".json"));
        var again = await _workspace.CompileAsync(request);
        var recompiled = AssertSucceeded(again);
        Assert.Equal(1, again.ActionsRun);
        Assert.Contains(again.Actions, a => a.Description == Linked && a.Cached);
        Assert.Contains(again.Actions, a => a.Key == quantize && !a.Cached);
        Assert.Equal(model.Files, recompiled.Files);
        Assert.Empty(_workspace.CacheTempFiles());
    }

    [Fact]
    public async Task A_stage_precision_compiles_that_stage_only_and_its_link_runs_only_where_it_quantizes()
    {
        File.WriteAllText(_workspace.ManifestPath, Manifest + "\n    precision: FP32-INT8\n");

        var outcome = await _workspace.CompileAsync(_workspace.Request("onnx", "FP16"));

        var model = AssertSucceeded(outcome);
        Assert.Equal(["FP16", "FP32-INT8"], model.Stages.Select(s => s.Selection.Precision.Name));
        Assert.Equal(["inspect", "prepare", "fp16"], ActionNames(model.BuildInfo!["first"]!));
        Assert.Equal(["inspect", "prepare", "quantize"], ActionNames(model.BuildInfo!["second"]!));
        Assert.Contains(outcome.Actions, a => a.Description == "tiny.second: calibrate on output 'y' of stage 'first'");
    }

    [Fact]
    public async Task A_stage_precision_the_target_does_not_support_is_MB6003_at_the_value()
    {
        File.WriteAllText(_workspace.ManifestPath, Manifest.Replace(
            "    shape: [1, 3, 8, 8]\n", "    shape: [1, 3, 8, 8]\n    precision: FP32\n", StringComparison.Ordinal));

        var outcome = await _workspace.CompileAsync(_workspace.Request("hailo", "FP32-INT8"));

        var error = Assert.Single(outcome.Diagnostics, d => d.IsError);
        Assert.Equal("MB6003", error.Code);
        Assert.Equal(_workspace.ManifestAt(5, 16), error.Location);
        Assert.Null(outcome.Model);
    }

    [Fact]
    public async Task A_link_to_an_output_the_stage_does_not_have_is_MB6032_naming_its_outputs()
    {
        File.WriteAllText(_workspace.ManifestPath, Manifest.Replace("output: y", "output: z", StringComparison.Ordinal));

        var outcome = await _workspace.CompileAsync(_workspace.Request("onnx", "FP32-INT8"));

        var error = Assert.Single(outcome.Diagnostics, d => d.IsError);
        Assert.Equal("MB6032", error.Code);
        Assert.Equal(_workspace.ManifestAt(11, 45), error.Location);
        Assert.Contains("links to output 'z' of stage 'first', which has no such output; its outputs are y", error.Message,
            StringComparison.Ordinal);
        Assert.Null(outcome.Model);
    }

    /// <summary>A small head on TinyConvNet's features: global average pool, then a 2→4 linear layer.</summary>
    internal static ModelProto Head() =>
        new OnnxGraphBuilder("head")
            .Input("features", TensorProto.Types.DataType.Float, "N", 2, 8, 8)
            .Initializer("w", OnnxTestData.Weights(4 * 2, seed: 21), 4, 2, 1, 1)
            .Initializer("b", OnnxTestData.Weights(4, seed: 22), 4)
            .Initializer("flat", new long[] { 0, -1 }, 2)
            .Node("Conv", ["features", "w", "b"], ["c"])
            .Node("GlobalAveragePool", ["c"], ["p"])
            .Node("Reshape", ["p", "flat"], ["scores"])
            .Output("scores", TensorProto.Types.DataType.Float, "N", 4)
            .Build();

    private static HashSet<string> Keys(JsonNode info) =>
        [.. info["actions"]!.AsArray().Select(a => a!["key"]!.ToString())];

    private static List<string> ActionNames(JsonNode info) => [.. info["actions"]!.AsArray().Select(a => a!["action"]!.ToString())];

    private static JsonNode Action(JsonNode info, string name) =>
        info["actions"]!.AsArray().Single(a => a!["action"]!.ToString() == name)!;

    private Tensor Run(CompiledFile file, string input, long[] shape, float[] data)
    {
        using var session = new ModelSession(_workspace.ReadCompiled(file));
        return Assert.Single(session.Run([new NamedTensor(input, Tensor.Create(data, shape))])).Value;
    }
}
