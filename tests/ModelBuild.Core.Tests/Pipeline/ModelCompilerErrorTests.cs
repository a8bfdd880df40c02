using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Core.Tests.Sources;
using ModelBuild.Tensors;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>
/// Every user mistake is one diagnostic with its code and the line and column to fix, and a failed
/// compile leaves the cache exactly as it was. Each test starts from a warm cache (the good model
/// compiled once), so "unchanged" covers records and blobs that exist, not an empty folder.
/// </summary>
public sealed class ModelCompilerErrorTests : IDisposable
{
    private static readonly SourceLocation TargetAt = new("/work/app/App.csproj", 12, 45);
    private static readonly SourceLocation PrecisionAt = new("/work/app/App.csproj", 12, 62);

    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Missing_manifest_is_MB1001_naming_its_absolute_path()
    {
        var missing = Path.Combine(_workspace.ModelsFolder, "missing.yaml");

        var error = await FailsAsync("MB1001", _workspace.Request() with { ManifestPath = missing });

        Assert.Equal(new SourceLocation(missing), error.Location);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Yaml_syntax_error_is_MB1002_at_its_line_and_column()
    {
        _workspace.WriteManifest("""
            input_model: tiny.onnx
            inputs:
              - name: x
                shape: [1, 3, 8, 8]
               layout: NCHW
            """);

        var error = await FailsAsync("MB1002");

        Assert.Equal(_workspace.ManifestAt(5, 4), error.Location);
    }

    [Fact]
    public async Task Unknown_key_is_MB1004_with_did_you_mean()
    {
        _workspace.WriteManifest("input_model: tiny.onnx\nshapes: [1, 3, 8, 8]\n");

        var error = await FailsAsync("MB1004");

        Assert.Equal(_workspace.ManifestAt(2, 1), error.Location);
        Assert.Contains("'shapes'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'shape'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_input_model_is_MB2010_with_the_resolved_absolute_path()
    {
        _workspace.WriteManifest("input_model: tinyy.onnx\nshape: [1, 3, 8, 8]\n");

        var error = await FailsAsync("MB2010");

        Assert.Equal(_workspace.ManifestAt(1, 14), error.Location);
        Assert.Contains(Path.Combine(_workspace.ModelsFolder, "tinyy.onnx"), error.Message, StringComparison.Ordinal);
        Assert.Contains("files there include: tiny.onnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_file_that_does_not_match_its_pin_is_MB2012_and_is_not_stored()
    {
        var pinned = Sha256Digest.Compute(_workspace.ModelBytes);
        var other = OtherModelBytes();
        var path = _workspace.WriteModelsFile("other.onnx", other);
        _workspace.WriteManifest($"""
            input_model:
              source: other.onnx
              sha256: {pinned}
            shape: [1, 3, 8, 8]
            """);

        var error = await FailsAsync("MB2012");

        Assert.Equal(_workspace.ManifestAt(2, 11), error.Location);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(pinned.Hex, error.Message, StringComparison.Ordinal);
        Assert.Contains(Sha256Digest.Compute(other).Hex, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_that_does_not_match_its_pin_is_MB2012_with_the_url_and_is_not_stored()
    {
        using var server = new LoopbackServer();
        var other = OtherModelBytes();
        server.Serve("/models/tiny.onnx", other);
        var url = server.BaseUrl + "models/tiny.onnx";

        // Pinned to content the cache does not hold: a pin the cache holds is served without asking the server.
        var pinned = Sha256Digest.Compute(OtherModelBytes("released"));
        _workspace.WriteManifest($"""
            input_model:
              source: {url}
              sha256: {pinned}
            shape: [1, 3, 8, 8]
            """);

        var error = await FailsAsync("MB2012");

        Assert.Equal(_workspace.ManifestAt(2, 11), error.Location);
        Assert.Contains(url, error.Message, StringComparison.Ordinal);
        Assert.Contains(pinned.Hex, error.Message, StringComparison.Ordinal);
        Assert.Contains(Sha256Digest.Compute(other).Hex, error.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Png_named_onnx_is_MB4001_at_input_model_and_records_no_action()
    {
        await WarmUpAsync();
        var png = OnnxTestData.TinyPng();
        var path = _workspace.WriteModelsFile("photo.onnx", png);
        _workspace.WriteManifest("input_model: photo.onnx\nshape: [1, 3, 8, 8]\n");
        var before = _workspace.Snapshot();

        var outcome = await _workspace.CompileAsync();

        var error = SingleError(outcome, "MB4001");
        Assert.Equal(_workspace.ManifestAt(1, 14), error.Location);
        Assert.Contains($"'{path}' is not an ONNX model", error.Message, StringComparison.Ordinal);
        Assert.Contains("PNG", error.Message, StringComparison.Ordinal);

        // The source itself enters the store whole (sources are cached before they are understood); nothing else does.
        var after = _workspace.Snapshot();
        var digest = Sha256Digest.Compute(png).Hex;
        Assert.Equal([$"+ sha256/{digest[..2]}/{digest}"], after.Blobs.ChangesSince(before.Blobs));
        after.ActionRecords.AssertUnchangedSince(before.ActionRecords);
        Assert.Empty(_workspace.CacheTempFiles());
    }

    [Fact]
    public async Task Downloaded_file_that_is_not_a_model_is_reported_without_the_url_credentials()
    {
        using var server = new LoopbackServer();
        server.Serve("/models/photo.onnx", OnnxTestData.TinyPng());
        _workspace.WriteManifest($"""
            input_model: http://ci:s3cret@127.0.0.1:{server.Port}/models/photo.onnx?token=abc123
            """);

        var outcome = await _workspace.CompileAsync();

        var error = SingleError(outcome, "MB4001");
        Assert.Equal(_workspace.ManifestAt(1, 14), error.Location);
        Assert.Contains(
            $"'http://***@127.0.0.1:{server.Port}/models/photo.onnx?token=***' is not an ONNX model",
            error.Message,
            StringComparison.Ordinal);
        Assert.All(outcome.Diagnostics, d =>
        {
            Assert.DoesNotContain("s3cret", d.ToCanonicalString(), StringComparison.Ordinal);
            Assert.DoesNotContain("abc123", d.ToCanonicalString(), StringComparison.Ordinal);
        });
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Shape_of_another_rank_is_MB4051_at_shape_with_both_shapes()
    {
        _workspace.WriteManifest("input_model: tiny.onnx\nshape: [1, 3, 8]\n");

        var error = await FailsAsync("MB4051");

        Assert.Equal(_workspace.ManifestAt(2, 8), error.Location);
        Assert.Contains("[N, 3, 8, 8]", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 3, 8]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_target_is_MB6001_at_ModelTarget_listing_the_targets()
    {
        var error = await FailsAsync("MB6001", _workspace.Request("onxx", "FP32", TargetAt, PrecisionAt));

        Assert.Equal(TargetAt, error.Location);
        Assert.Contains("'onxx'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'onnx'?", error.Message, StringComparison.Ordinal);
        Assert.Contains("onnx, ort, openvino, rvc2, rvc3, rvc4, hailo", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_precision_is_MB6002_at_Precision_listing_the_precisions()
    {
        var error = await FailsAsync("MB6002", _workspace.Request("onnx", "FP64", TargetAt, PrecisionAt));

        Assert.Equal(PrecisionAt, error.Location);
        Assert.Contains("'FP64'", error.Message, StringComparison.Ordinal);
        Assert.Contains("FP32, FP16, FP32-INT8, FP16-INT8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Precision_the_target_cannot_run_is_MB6003_naming_what_it_supports()
    {
        var error = await FailsAsync("MB6003", _workspace.Request("rvc2", "FP16-INT8", TargetAt, PrecisionAt));

        Assert.Equal(PrecisionAt, error.Location);
        Assert.Contains("'rvc2'", error.Message, StringComparison.Ordinal);
        Assert.Contains("FP16-INT8", error.Message, StringComparison.Ordinal);
        Assert.Contains("supports FP16, FP32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_stage_that_is_not_a_stage_is_MB6030_at_the_metadata()
    {
        var at = new SourceLocation("/work/app/App.csproj", 12, 80);
        _workspace.WriteManifest(TwoStages);

        var error = await FailsAsync("MB6030", _workspace.Request() with { MainStage = "head", MainStageAt = at });

        Assert.Equal(at, error.Location);
        Assert.Contains("its stages are detector, classifier", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calibration_linked_to_a_later_stage_is_MB6031_at_the_link()
    {
        _workspace.WriteManifest(TwoStages.Replace(
            "  detector:\n    input_model: tiny.onnx\n",
            "  detector:\n    input_model: tiny.onnx\n    calibration: {stage: classifier, output: y}\n",
            StringComparison.Ordinal));

        var error = await FailsAsync("MB6031");

        Assert.Equal(_workspace.ManifestAt(5, 26), error.Location);
        Assert.Contains("links to stage 'classifier', which is not an earlier stage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calibration_link_through_a_script_only_is_MB6034()
    {
        _workspace.WriteManifest(TwoStages + "    calibration: {stage: detector, script: 'def run_script(o): return o'}\n");

        var error = await FailsAsync("MB6034", _workspace.Request("onnx", "FP32-INT8"));

        Assert.Equal(_workspace.ManifestAt(7, 26), error.Location);
    }

    private const string TwoStages = "shape: [1, 3, 8, 8]\nstages:\n  detector:\n    input_model: tiny.onnx\n  classifier:\n" +
        "    input_model: tiny.onnx\n";

    [Theory]
    [InlineData("validation: {min_cosine: 2}", 1, 26, "'validation.min_cosine' must be a number from -1 to 1; found '2'.")]
    [InlineData(
        "validation: {on_failure: ignore}",
        1,
        26,
        "Invalid value 'ignore' for 'validation.on_failure'. Valid values: error, warning.")]
    [InlineData("fp16: {keep_io_type: false}", 1, 8, "Unknown key 'fp16.keep_io_type'. Did you mean 'keep_io_types'?")]
    public async Task Conversion_keys_are_checked_where_they_are_written(string yaml, int line, int column, string message)
    {
        _workspace.WriteManifest(yaml + "\ninput_model: tiny.onnx\nshape: [1, 3, 8, 8]\n");

        var error = Assert.Single((await _workspace.CompileAsync()).Diagnostics, d => d.IsError);

        Assert.Equal(_workspace.ManifestAt(line, column), error.Location);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task Unknown_output_is_MB4057_at_its_name_listing_the_real_outputs()
    {
        _workspace.WriteManifest("input_model: tiny.onnx\nshape: [1, 3, 8, 8]\noutputs:\n  - name: logits\n");

        var error = await FailsAsync("MB4057");

        Assert.Equal(_workspace.ManifestAt(4, 11), error.Location);
        Assert.EndsWith("Its outputs: 'y'.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1e300", "MB4060", "frozen_value of input 'x' holds 1E+300, which the input's element type float cannot hold.")]
    [InlineData("[0.5, '2']", "MB4059", "frozen_value of input 'x' must be a number or a flat list of numbers; found a list.")]
    [InlineData(
        "[0.5, 0.5]",
        "MB4061",
        "frozen_value of input 'x' has 2 values, but its shape [1, 3, 8, 8] holds 192; give that many values or a single one for all.")]
    public async Task Frozen_value_that_does_not_fit_the_input_is_reported_at_frozen_value(string value, string code, string message)
    {
        _workspace.WriteManifest($"input_model: tiny.onnx\ninputs:\n  - name: x\n    shape: [1, 3, 8, 8]\n    frozen_value: {value}\n");

        var error = await FailsAsync(code);

        Assert.Equal(_workspace.ManifestAt(5, 19), error.Location);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task Baking_a_channel_flip_into_a_four_channel_input_is_MB4064()
    {
        var rgba = new OnnxGraphBuilder("rgba")
            .Input("x", DataType.Float, 1, 4, 8, 8)
            .Node("Relu", ["x"], ["y"])
            .Output("y", DataType.Float, 1, 4, 8, 8)
            .Build();
        _workspace.WriteModelsFile("rgba.onnx", OnnxModelFile.Write(rgba));
        _workspace.WriteManifest(
            "input_model: rgba.onnx\nbake_preprocessing: true\ninputs:\n  - name: x\n    encoding: {from: RGB, to: BGR}\n");

        var outcome = await _workspace.CompileAsync();

        var error = SingleError(outcome, "MB4064");
        Assert.Equal(_workspace.ManifestAt(5, 15), error.Location);
        Assert.Equal(
            "Input 'x' has 4 channels (axis 1 of shape [1, 4, 8, 8], layout NCHW); flipping the channel order from RGB to BGR needs 3.",
            error.Message);
    }

    [Fact]
    public async Task A_model_ONNX_Runtime_cannot_load_is_MB6012_with_its_message_and_the_models_name()
    {
        var odd = new OnnxGraphBuilder("odd")
            .Input("x", DataType.Float, 1, 4)
            .Node("NoSuchOperator", ["x"], ["y"])
            .Output("y", DataType.Float, 1, 4)
            .Build();
        var path = _workspace.WriteModelsFile("odd.onnx", OnnxModelFile.Write(odd));
        _workspace.WriteManifest("input_model: odd.onnx\n");

        var outcome = await _workspace.CompileAsync();

        var error = SingleError(outcome, "MB6012");
        Assert.Equal(_workspace.ManifestAt(1, 14), error.Location);
        Assert.StartsWith(
            $"ONNX Runtime {OnnxRuntimeLibrary.Version} cannot load the model prepared from '{path}': ",
            error.Message,
            StringComparison.Ordinal);
        Assert.Contains("NoSuchOperator", error.Message, StringComparison.Ordinal);
        Assert.Contains(outcome.Diagnostics, d => d.Code == "MB4067");
        Assert.Equal(1, outcome.ActionsRun); // inspect only: the failed prepare records nothing
    }

    /// <summary>Compiles the good manifest, then the current one, which must fail with exactly one error, changing nothing.</summary>
    private async Task<Diagnostic> FailsAsync(string code, ModelCompileRequest? request = null)
    {
        await WarmUpAsync();
        var before = _workspace.Snapshot();

        var outcome = await _workspace.CompileAsync(request);

        var error = SingleError(outcome, code);
        Assert.Equal(0, outcome.ActionsRun);
        _workspace.Snapshot().AssertUnchangedSince(before);
        Assert.Empty(_workspace.CacheTempFiles());
        return error;
    }

    /// <summary>Compiles the good manifest into the cache and puts the test's manifest back.</summary>
    private async Task WarmUpAsync()
    {
        var manifest = File.ReadAllText(_workspace.ManifestPath);
        _workspace.WriteManifest(EngineWorkspace.DefaultManifest);
        ModelCompilerTests.AssertSucceeded(await _workspace.CompileAsync());
        _workspace.WriteManifest(manifest);
    }

    private static Diagnostic SingleError(ModelCompileOutcome outcome, string code)
    {
        Assert.False(outcome.Succeeded);
        Assert.Null(outcome.Model);
        var errors = outcome.Diagnostics.Where(d => d.IsError).ToList();
        Assert.True(errors.Count == 1 && errors[0].Code == code, $"Expected one {code}, got:\n" + string.Join("\n", outcome.Diagnostics));
        return errors[0];
    }

    /// <summary>A valid model other than the workspace's, so its bytes are in no cache yet.</summary>
    private static byte[] OtherModelBytes(string producerVersion = "tampered")
    {
        var model = TinyConvNet.Build();
        model.ProducerVersion = producerVersion;
        return OnnxModelFile.Write(model);
    }
}
