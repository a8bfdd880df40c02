using System.Text.Json.Nodes;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Passes;
using ModelBuild.Tensors;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;
using static ModelBuild.Core.Tests.Pipeline.ModelCompilerConversionTests;
using static ModelBuild.Core.Tests.Pipeline.ModelCompilerTests;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>
/// INT8 precisions in the pipeline: the quantize action after prepare, calibrated on the manifest's folder of
/// <c>.npy</c> files, its report beside the outputs, FP16 on what stays float, its key and its errors.
/// </summary>
public sealed class ModelCompilerQuantizationTests : IDisposable
{
    private const string Manifest = """
        input_model: tiny.onnx
        shape: [1, 3, 8, 8]
        calibration:
          path: calibration
        """;

    private readonly EngineWorkspace _workspace = new(Manifest);

    public ModelCompilerQuantizationTests()
    {
        for (var i = 0; i < 8; i++)
        {
            WriteCalibrationFile(i);
        }
    }

    public void Dispose() => _workspace.Dispose();

    private string CalibrationFolder => Path.Combine(_workspace.ModelsFolder, "calibration");

    [Fact]
    public async Task FP32_INT8_quantizes_the_prepared_model_to_QDQ_that_runs_close_to_the_original()
    {
        var outcome = await _workspace.CompileAsync(_workspace.Request(precision: "FP32-INT8"));

        var model = AssertSucceeded(outcome);
        Assert.Empty(outcome.Diagnostics);
        Assert.Equal(["inspect", "prepare", "quantize"], ActionNames(outcome));
        var compiled = OnnxModelFile.Read(_workspace.ReadCompiled(Assert.Single(model.Files)), "compiled");
        Assert.Contains(compiled.Graph.Node, n => n.OpType == "QuantizeLinear");
        Assert.Contains(compiled.Graph.Node, n => n.OpType == "DequantizeLinear");
        Assert.Contains(compiled.Graph.Initializer, t => t.DataType == (int)DataType.Int8);
        Assert.Equal(("float32", "float32"), (model.Inputs[0].ElementType, model.Outputs[0].ElementType));

        var image = TinyConvNet.SampleInput(batch: 1);
        var cosine = ModelRun.Cosine(
            TinyConvNet.Run(_workspace.ModelBytes, image, 1),
            TinyConvNet.Run(OnnxModelFile.Write(compiled), image, 1));
        Assert.True(cosine > 0.99, $"INT8 against FP32: cosine {cosine}");

        var quantize = Action(model, "quantize");
        Assert.Equal("quantize_qdq", (string)quantize["passes"]![0]!["name"]!);
        Assert.True((double)quantize["validation"]!["outputs"]![0]!["cosine"]! > 0.95);
    }

    [Fact]
    public async Task The_quantization_report_comes_with_the_outcome_also_from_the_cache_and_when_the_stage_stops_early()
    {
        var first = await _workspace.CompileAsync(_workspace.Request(precision: "FP32-INT8"));
        var stage = await _workspace.CompileAsync(_workspace.Request(precision: "FP32-INT8") with { StopAfter = PipelineStage.Quantize });

        Assert.Equal(PipelineStage.Quantize, stage.Completed);
        Assert.Equal(0, stage.ActionsRun);
        foreach (var outcome in new[] { first, stage })
        {
            Assert.Equal(
                ["quantization-report.html", "quantization-report.json"],
                outcome.Attachments.Select(a => a.FileName).Order(StringComparer.Ordinal));
        }

        var json = JsonNode.Parse(
            _workspace.ReadCompiled(stage.Attachments.Single(a => a.FileName.EndsWith(".json", StringComparison.Ordinal))))!;
        Assert.Equal(8, (int)json["calibration_samples"]!);
        Assert.Contains("Conv_0", json["quantized_nodes"]!.AsArray().Select(n => (string)n!));
        var html = System.Text.Encoding.UTF8
            .GetString(_workspace.ReadCompiled(stage.Attachments.Single(a => a.FileName.EndsWith(".html", StringComparison.Ordinal))));
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_same_inputs_give_a_byte_identical_INT8_model_and_a_warm_cache_runs_nothing()
    {
        var first = AssertSucceeded(await _workspace.CompileAsync(_workspace.Request(precision: "FP16-INT8")));
        var elsewhere = AssertSucceeded(await _workspace.CompileAsync(
            _workspace.Request(precision: "FP16-INT8"),
            cacheDir: Path.Combine(_workspace.Root, "other-cache")));
        var warm = await _workspace.CompileAsync(_workspace.Request(precision: "FP16-INT8"));

        Assert.Equal(first.Files[0].Blob.Digest, elsewhere.Files[0].Blob.Digest);
        Assert.Equal((0, 4), (warm.ActionsRun, warm.ActionsCached));
        Assert.Equal(first.Files[0].Blob.Digest, AssertSucceeded(warm).Files[0].Blob.Digest);
    }

    [Fact]
    public async Task A_changed_added_or_removed_calibration_file_quantizes_and_validates_again_and_the_source_is_not_inspected_again()
    {
        var request = _workspace.Request(precision: "FP32-INT8");
        var before = AssertSucceeded(await _workspace.CompileAsync(request));

        WriteCalibrationFile(3, seed: 100);
        var changed = await _workspace.CompileAsync(request);
        WriteCalibrationFile(3);
        WriteCalibrationFile(8);
        var added = await _workspace.CompileAsync(request);
        File.Delete(Path.Combine(CalibrationFolder, "sample-08.npy"));
        var removed = await _workspace.CompileAsync(request);

        // The files also feed validation, so prepare (validated on them) runs again too.
        Assert.Equal(["tiny: prepare", "tiny: quantize"], changed.Actions.Where(a => !a.Cached).Select(a => a.Description));
        Assert.Equal((2, 1), (added.ActionsRun, added.ActionsCached));
        Assert.NotEqual(Action(before, "quantize")["key"]!.ToString(), Action(AssertSucceeded(added), "quantize")["key"]!.ToString());

        // Back to the first folder's contents: the first result, from the cache.
        Assert.Equal((0, 3), (removed.ActionsRun, removed.ActionsCached));
        Assert.Equal(before.Files[0].Blob.Digest, AssertSucceeded(removed).Files[0].Blob.Digest);
    }

    [Fact]
    public async Task FP16_INT8_keeps_quantized_nodes_in_their_float32_QDQ_form_and_converts_what_stays_float()
    {
        _workspace.WriteManifest(Manifest + "\nquantization:\n  nodes_to_exclude: [Conv_2]\n");

        var outcome = await _workspace.CompileAsync(_workspace.Request(precision: "FP16-INT8"));

        var model = AssertSucceeded(outcome);
        Assert.Equal(["inspect", "prepare", "quantize", "fp16"], ActionNames(outcome));
        var compiled = OnnxModelFile.Read(_workspace.ReadCompiled(Assert.Single(model.Files)), "compiled");
        var initializers = compiled.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var quantizedConv = compiled.Graph.Node.Single(n => n.Name == "Conv_0");
        var floatConv = compiled.Graph.Node.Single(n => n.Name == "Conv_2");

        // The quantized Conv reads float32 DequantizeLinear outputs; the float one reads float16 weights.
        Assert.All(
            quantizedConv.Input.Skip(1),
            i => Assert.Contains(compiled.Graph.Node, n => n.OpType == "DequantizeLinear" && n.Output[0] == i));
        Assert.Equal((int)DataType.Float16, initializers[floatConv.Input[1]].DataType);
        Assert.Contains("Conv_0", Action(model, "fp16")["passes"]![0]!["options"]!["node_block_list"]!.AsArray().Select(n => (string)n!));

        var image = TinyConvNet.SampleInput(batch: 1);
        var cosine = ModelRun.Cosine(
            TinyConvNet.Run(_workspace.ModelBytes, image, 1),
            TinyConvNet.Run(OnnxModelFile.Write(compiled), image, 1));
        Assert.True(cosine > 0.99, $"FP16-INT8 against FP32: cosine {cosine}");
    }

    [Fact]
    public async Task The_ort_target_writes_the_INT8_model_in_ONNX_Runtime_format()
    {
        var outcome = await _workspace.CompileAsync(_workspace.Request(target: "ort", precision: "FP16-INT8"));

        var model = AssertSucceeded(outcome);
        Assert.Equal(["inspect", "prepare", "quantize", "fp16", "ort"], ActionNames(outcome));
        var file = Assert.Single(model.Files);
        Assert.EndsWith(".ort", file.FileName, StringComparison.Ordinal);
        using var session = new ModelSession(_workspace.ReadCompiled(file));
        var output = session.Run(
            [new NamedTensor(TinyConvNet.InputName, Tensor.Create(TinyConvNet.SampleInput(1), [1, .. TinyConvNet.ImageShape]))]);
        Assert.Equal([1L, 2, 8, 8], Assert.Single(output).Value.Shape);
    }

    [Fact]
    public async Task Without_calibration_data_INT8_calibrates_on_random_samples_and_warns_MB8120_on_every_compile()
    {
        _workspace.WriteManifest(EngineWorkspace.DefaultManifest);

        var first = await _workspace.CompileAsync(_workspace.Request(precision: "FP32-INT8"));
        var cached = await _workspace.CompileAsync(_workspace.Request(precision: "FP32-INT8"));

        AssertSucceeded(first);
        foreach (var outcome in new[] { first, cached })
        {
            var warning = Assert.Single(outcome.Diagnostics);
            Assert.Equal("MB8120", warning.Code);
            Assert.StartsWith(
                $"Input '{TinyConvNet.InputName}' has no calibration data, so INT8 ranges come from 20 random samples",
                warning.Message,
                StringComparison.Ordinal);
        }

        Assert.Equal(0, cached.ActionsRun);
    }

    [Fact]
    public async Task A_missing_calibration_folder_is_MB8101_on_its_manifest_line_and_leaves_the_cache_as_it_was()
    {
        _workspace.WriteManifest(Manifest.Replace("path: calibration", "path: no-such-folder", StringComparison.Ordinal));
        await _workspace.CompileAsync();
        var snapshot = _workspace.Snapshot();

        var outcome = await _workspace.CompileAsync(_workspace.Request(precision: "FP32-INT8"));

        var error = Assert.Single(outcome.Diagnostics, d => d.IsError);
        Assert.Equal("MB8101", error.Code);
        Assert.Equal(_workspace.ManifestAt(4, 9), error.Location);
        Assert.Null(outcome.Model);
        Assert.Empty(outcome.Attachments);
        _workspace.Snapshot().AssertUnchangedSince(snapshot);
    }

    [Theory]
    [InlineData("FP32-INT8")]
    [InlineData("FP32")]
    public async Task A_remote_calibration_path_that_is_not_an_archive_is_MB8190_on_its_manifest_line_never_a_local_path(
        string precision)
    {
        await _workspace.CompileAsync();
        _workspace.WriteManifest(Manifest.Replace("path: calibration", "path: s3://bucket/calib", StringComparison.Ordinal));
        var snapshot = _workspace.Snapshot();

        var outcome = await _workspace.CompileAsync(_workspace.Request(precision: precision));

        var error = Assert.Single(outcome.Diagnostics, d => d.IsError);
        Assert.Equal("MB8190", error.Code);
        Assert.Equal(_workspace.ManifestAt(4, 9), error.Location);
        Assert.Contains("'s3://bucket/calib'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_workspace.ModelsFolder, error.Message, StringComparison.Ordinal);
        Assert.Null(outcome.Model);
        _workspace.Snapshot().AssertUnchangedSince(snapshot);
    }

    private static string[] ActionNames(ModelCompileOutcome outcome) => [.. outcome.Actions.Select(a => a.Description["tiny: ".Length..])];

    /// <summary>One calibration sample as a float32 [1,3,8,8] .npy file; <paramref name="seed"/> varies its values.</summary>
    private void WriteCalibrationFile(int index, int seed = 0)
    {
        Directory.CreateDirectory(CalibrationFolder);
        var values = Enumerable.Range(0, 3 * 8 * 8)
            .Select(i => MathF.Sin((i * 0.37f) + (index * 1.3f) + seed) * (1.5f + (index % 3 * 0.25f)))
            .ToArray();
        NpyFile.Write(Path.Combine(CalibrationFolder, $"sample-{index:D2}.npy"), Tensor.Create(values, [1, 3, 8, 8]));
    }
}
