using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Passes;
using ModelBuild.Tensors;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;
using static ModelBuild.Core.Tests.Pipeline.ModelCompilerTests;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>The conversion steps of the pipeline: FP16, the ORT format, baked preprocessing, cut outputs, frozen inputs, and
/// validation.</summary>
public sealed class ModelCompilerConversionTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task FP16_for_onnx_converts_after_prepare_and_keeps_float_inputs_and_outputs()
    {
        var outcome = await _workspace.CompileAsync(_workspace.Request(precision: "FP16"));

        var model = AssertSucceeded(outcome);
        Assert.Equal((3, 0), (outcome.ActionsRun, outcome.ActionsCached));
        Assert.Empty(outcome.Diagnostics);
        Assert.Equal(("float32", "float32"), (model.Inputs[0].ElementType, model.Outputs[0].ElementType));
        var compiled = OnnxModelFile.Read(_workspace.ReadCompiled(Assert.Single(model.Files)), "compiled");
        Assert.All(compiled.Graph.Initializer, t => Assert.Equal((int)DataType.Float16, t.DataType));

        var image = TinyConvNet.SampleInput(batch: 1);
        var expected = TinyConvNet.Run(_workspace.ModelBytes, image, 1);
        Assert.True(ModelRun.Cosine(expected, TinyConvNet.Run(OnnxModelFile.Write(compiled), image, 1)) > 0.999);

        var fp16 = Action(model, "fp16");
        var metrics = fp16["validation"]!["outputs"]!.AsArray().Single()!;
        Assert.Equal("y", (string)metrics["name"]!);
        Assert.True((double)metrics["cosine"]! > 0.999);
        Assert.Equal(4, (int)fp16["validation"]!["samples"]!);
    }

    [Fact]
    public async Task FP16_without_keeping_io_types_takes_and_gives_float16()
    {
        _workspace.WriteManifest(EngineWorkspace.DefaultManifest + "\nfp16: {keep_io_types: false}\n");

        var model = AssertSucceeded(await _workspace.CompileAsync(_workspace.Request(precision: "FP16")));

        Assert.Equal(("float16", "float16"), (model.Inputs[0].ElementType, model.Outputs[0].ElementType));
        Assert.False((bool)Action(model, "fp16")["passes"]![0]!["options"]!["keep_io_types"]!);
    }

    [Theory]
    [InlineData("FP32", 3)]
    [InlineData("FP16", 4)]
    public async Task The_ort_target_writes_an_ORT_format_model_that_runs_like_the_original(string precision, int actions)
    {
        var outcome = await _workspace.CompileAsync(_workspace.Request(target: "ort", precision: precision));

        var model = AssertSucceeded(outcome);
        Assert.Equal(actions, outcome.ActionsRun);
        var file = Assert.Single(model.Files);
        Assert.Equal("tiny.ort", file.FileName);
        var bytes = _workspace.ReadCompiled(file);
        Assert.Equal("ORTM"u8.ToArray(), bytes[4..8]);
        var image = TinyConvNet.SampleInput(batch: 1);
        var cosine = ModelRun.Cosine(TinyConvNet.Run(_workspace.ModelBytes, image, 1), TinyConvNet.Run(bytes, image, 1));
        Assert.True(cosine > (precision == "FP32" ? 0.99999 : 0.999), $"cosine {cosine}");
        Assert.Equal([-1L, 2, 8, 8], model.Outputs[0].Shape);
    }

    [Fact]
    public async Task Baked_preprocessing_takes_raw_pixels_and_the_accessor_publishes_what_to_feed()
    {
        _workspace.WriteManifest("""
            input_model: tiny.onnx
            bake_preprocessing: true
            inputs:
              - name: x
                shape: [1, 3, 8, 8]
                data_type: uint8
                encoding: {from: RGB, to: BGR}
                mean_values: [123.675, 116.28, 103.53]
                scale_values: [58.395, 57.12, 57.375]
            """);

        var outcome = await _workspace.CompileAsync();

        var model = AssertSucceeded(outcome);
        var input = Assert.Single(model.Inputs);
        Assert.Equal(("uint8", "BGR"), (input.ElementType, input.Encoding));
        Assert.Null(input.Mean);
        Assert.Null(input.Scale);
        var compiled = _workspace.ReadCompiled(Assert.Single(model.Files));

        var bgr = Enumerable.Range(0, 3 * 64).Select(i => (byte)((i * 53) % 256)).ToArray();
        double[] mean = [123.675, 116.28, 103.53], scale = [58.395, 57.12, 57.375];
        var rgb = new float[bgr.Length];
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < 64; i++)
            {
                rgb[(c * 64) + i] = (float)((bgr[((2 - c) * 64) + i] - mean[c]) / scale[c]);
            }
        }

        using var session = new ModelSession(compiled);
        var actual = session.Run([new NamedTensor("x", Tensor.Create(bgr, [1, 3, 8, 8]))])[0].Value.ToArray<float>();
        Assert.True(ModelRun.MaxAbsError(TinyConvNet.Run(_workspace.ModelBytes, rgb, 1), actual) < 1e-4);
        Assert.Equal(["input_shapes", "preprocessing", "input_types", "simplify"], Passes(model, "prepare"));
    }

    [Fact]
    public async Task Outputs_cut_the_model_and_a_frozen_input_leaves_the_inputs()
    {
        var twoInputs = new OnnxGraphBuilder("gain")
            .Input("x", DataType.Float, 1, 4)
            .Input("gain", DataType.Float, 1, 4)
            .Node("Mul", ["x", "gain"], ["scaled"])
            .Node("Relu", ["scaled"], ["y"])
            .Output("y", DataType.Float, 1, 4)
            .Build();
        _workspace.WriteModelsFile("gain.onnx", OnnxModelFile.Write(twoInputs));
        _workspace.WriteManifest("""
            input_model: gain.onnx
            encoding: NONE
            inputs:
              - name: gain
                frozen_value: [1, -2, 3, -4]
            outputs:
              - name: scaled
            """);

        var outcome = await _workspace.CompileAsync();

        var model = AssertSucceeded(outcome);
        Assert.Equal(["x"], model.Inputs.Select(i => i.Name));
        Assert.Equal(["scaled"], model.Outputs.Select(o => o.Name));
        var compiled = OnnxModelFile.Read(_workspace.ReadCompiled(Assert.Single(model.Files)), "compiled");
        Assert.Equal([-1f, 2f, 3f, -4f], ModelRun.Single(compiled, ModelRun.Input("x", [-1, -1, 1, 1], 1, 4)));
        Assert.Equal(["input_shapes", "frozen_inputs", "outputs", "simplify"], Passes(model, "prepare"));
    }

    [Fact]
    public async Task A_failed_validation_is_MB6016_with_the_numbers_and_changing_thresholds_reruns_nothing()
    {
        _workspace.WriteManifest(EngineWorkspace.DefaultManifest + "\nvalidation: {max_abs_error: 0, samples: 2}\n");

        var failed = await _workspace.CompileAsync(_workspace.Request(precision: "FP16"));

        Assert.False(failed.Succeeded);
        var error = Assert.Single(failed.Diagnostics, d => d.IsError);
        Assert.Equal("MB6016", error.Code);
        Assert.Equal(_workspace.ManifestAt(3, 13), error.Location);
        Assert.True(
            Regex.IsMatch(
                error.Message,
                @"^The FP16 model converted from '.*tiny\.onnx' \(fp16\) differs from the original beyond the FP16 thresholds " +
                @"on 2 inputs: 'y': cosine [01]\.\d{7}, max abs error [0-9.E-]+ \(max abs error [0-9.E-]+ > 0\)\.$"),
            error.Message);

        _workspace.WriteManifest(EngineWorkspace.DefaultManifest + "\nvalidation: {max_abs_error: 0, samples: 2, on_failure: warning}\n");
        var warned = await _workspace.CompileAsync(_workspace.Request(precision: "FP16"));

        AssertSucceeded(warned);
        Assert.Equal((0, 3), (warned.ActionsRun, warned.ActionsCached));
        Assert.Equal("MB6017", Assert.Single(warned.Diagnostics).Code);
    }

    [Fact]
    public async Task Validation_off_runs_no_comparison_and_simplification_off_no_simplify()
    {
        _workspace.WriteManifest(EngineWorkspace.DefaultManifest + "\nvalidation: false\nonnx_simplification: false\n");

        var outcome = await _workspace.CompileAsync();

        var model = AssertSucceeded(outcome);
        Assert.Empty(outcome.Diagnostics);
        Assert.Equal(["input_shapes"], Passes(model, "prepare"));
        Assert.Equal("validation: false in the manifest", (string)Action(model, "prepare")["validation"]!["skipped"]!);
    }

    [Fact]
    public async Task Buildinfo_names_versions_actions_passes_metrics_and_outputs()
    {
        var model = AssertSucceeded(await _workspace.CompileAsync());

        var info = model.BuildInfo!;
        Assert.Equal(EngineIdentity.Current.Version, (string)info["modelbuild"]!);
        Assert.Equal(OnnxRuntimeLibrary.Version, (string)info["onnxruntime"]!);
        Assert.Equal(("onnx", "FP32"), ((string)info["target"]!, (string)info["precision"]!));
        Assert.Equal(["inspect", "prepare"], info["actions"]!.AsArray().Select(a => (string)a!["action"]!));
        Assert.Equal(["input_shapes", "simplify"], Passes(model, "prepare"));
        Assert.Equal(1.0, (double)Action(model, "prepare")["validation"]!["outputs"]![0]!["cosine"]!, 9);
        var output = info["outputs"]!.AsArray().Single()!;
        Assert.Equal(("tiny.onnx", model.Files[0].Blob.Digest.Hex), ((string)output["file"]!, (string)output["sha256"]!));

        // Deterministic: a warm compile gives the same record, byte for byte.
        var again = AssertSucceeded(await _workspace.CompileAsync());
        Assert.Equal(BuildInfo.ToBytes(info), BuildInfo.ToBytes(again.BuildInfo!));
    }

    [Fact]
    public async Task Validation_feeds_the_calibration_images_and_an_edited_image_runs_prepare_again()
    {
        Directory.CreateDirectory(Path.Combine(_workspace.ModelsFolder, "images"));
        var image = _workspace.WriteModelsFile(Path.Combine("images", "a.bmp"), Bitmap(40, 200, 90));
        _workspace.WriteManifest("""
            input_model: tiny.onnx
            shape: [1, 3, 8, 8]
            calibration:
              path: images
            """);

        var first = await _workspace.CompileAsync();
        File.WriteAllBytes(image, Bitmap(40, 200, 90));
        var unchanged = await _workspace.CompileAsync();
        File.WriteAllBytes(image, Bitmap(41, 200, 90));
        var edited = await _workspace.CompileAsync();

        var model = AssertSucceeded(first);
        Assert.Contains(image, first.Dependencies);
        Assert.Equal(1.0, (double)Action(model, "prepare")["validation"]!["outputs"]![0]!["cosine"]!, 9);
        Assert.Equal((0, 2), (unchanged.ActionsRun, unchanged.ActionsCached));
        Assert.Equal((1, 1), (edited.ActionsRun, edited.ActionsCached));
        AssertSucceeded(edited);
    }

    [Fact]
    public async Task A_model_with_external_data_beside_it_compiles_and_its_data_file_is_a_dependency()
    {
        var path = Path.Combine(_workspace.ModelsFolder, "split.onnx");
        var dataPath = OnnxExternalData.WriteFiles(TinyConvNet.Build(), path, threshold: 64);
        _workspace.WriteManifest("input_model: split.onnx\nshape: [1, 3, 8, 8]\n");

        var outcome = await _workspace.CompileAsync();

        var model = AssertSucceeded(outcome);
        Assert.Contains(dataPath, outcome.Dependencies);
        var compiled = _workspace.ReadCompiled(Assert.Single(model.Files));
        var image = TinyConvNet.SampleInput(batch: 1);
        Assert.Equal(TinyConvNet.Run(_workspace.ModelBytes, image, 1), TinyConvNet.Run(compiled, image, 1));
        Assert.NotNull((string?)model.BuildInfo!["source"]!["external_data"]!["split.onnx_data"]);
    }

    /// <summary>A 2×2 24-bit BMP of one colour (blue, green, red as BMP stores them).</summary>
    private static byte[] Bitmap(byte blue, byte green, byte red)
    {
        var bytes = new byte[54 + 16];
        "BM"u8.CopyTo(bytes);
        BitConverter.TryWriteBytes(bytes.AsSpan(2), bytes.Length);
        BitConverter.TryWriteBytes(bytes.AsSpan(10), 54);
        BitConverter.TryWriteBytes(bytes.AsSpan(14), 40);
        BitConverter.TryWriteBytes(bytes.AsSpan(18), 2);
        BitConverter.TryWriteBytes(bytes.AsSpan(22), 2);
        BitConverter.TryWriteBytes(bytes.AsSpan(26), (short)1);
        BitConverter.TryWriteBytes(bytes.AsSpan(28), (short)24);
        BitConverter.TryWriteBytes(bytes.AsSpan(34), 16);
        for (var row = 0; row < 2; row++)
        {
            for (var column = 0; column < 2; column++)
            {
                var at = 54 + (row * 8) + (column * 3);
                (bytes[at], bytes[at + 1], bytes[at + 2]) = (blue, green, red);
            }
        }

        return bytes;
    }

    internal static JsonObject Action(CompiledModel model, string name) =>
        model.BuildInfo!["actions"]!.AsArray().Single(a => (string)a!["action"]! == name)!.AsObject();

    private static string[] Passes(CompiledModel model, string action) =>
        [.. Action(model, action)["passes"]!.AsArray().Select(p => (string)p!["name"]!)];
}
