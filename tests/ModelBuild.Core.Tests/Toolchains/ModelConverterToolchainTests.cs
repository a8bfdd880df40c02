using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Targets;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Tests.Toolchains;

/// <summary>The ModelConverter route with a stand-in <c>modelconverter</c>: the config written, the command run, the outputs
/// collected.</summary>
public sealed class ModelConverterToolchainTests : IDisposable
{
    private readonly VendorFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Rvc2_FP16_writes_the_config_runs_convert_and_collects_the_blob_and_buildinfo()
    {
        _fixture.Tools.AddModelConverter("m.blob");
        var request = _fixture.Request(
            VendorFixture.ImageNetManifest + "rvc2:\n  superblob: false\n  number_of_shaves: 6\n",
            "rvc2",
            Precision.FP16);

        var result = await VendorFixture.CompileAsync(request, VendorRoute.ModelConverter);

        Assert.Equal(
            ["convert", "rvc2", "--path", "modelconverter.yaml", "--output-dir", "modelbuild", "--to", "native"],
            Assert.Single(_fixture.Tools.Calls("modelconverter")));
        Assert.Equal(_fixture.WorkDirectory, _fixture.Tools.WorkingDirectory("modelconverter", 0));
        Assert.Contains("LUXONIS_TELEMETRY_ENABLED=false", _fixture.Tools.Environment("modelconverter", 0));
        Assert.Equal(
            $"""
            # ModelConverter config written by ModelBuild for target rvc2, Precision FP16
            name: "m"
            input_model: "{Path.Combine(_fixture.WorkDirectory, "intermediate_outputs", "m.onnx")}"
            onnx_simplification: onnxsim
            inputs:
              - name: "x"
                shape: [1, 3, 8, 8]
                layout: NCHW
                data_type: float32
                mean_values: [123.675, 116.28, 103.53]
                scale_values: [58.395, 57.12, 57.375]
                encoding: {"{"}from: RGB, to: BGR{"}"}
            outputs:
              - name: "y"
            rvc2:
              disable_calibration: false
              mo_args: []
              compile_tool_args: []
              compress_to_fp16: true
              number_of_shaves: 6
              superblob: false

            """.ReplaceLineEndings("\n"),
            File.ReadAllText(Path.Combine(_fixture.WorkDirectory, "modelconverter.yaml")));
        Assert.Equal(["m.blob", "buildinfo.json", "modelbuild-vendor.log"], result.Files.Select(f => f.FileName));
        Assert.Equal("blob for rvc2\n", File.ReadAllText(result.Model.Path));
        Assert.Equal("0.5.0", result.BuildInfo["modelconverter_version"]!.GetValue<string>());
        Assert.Equal("modelconverter 0.5.0", Assert.Single(result.Tools).Version);
    }

    [Fact]
    public async Task Rvc4_INT8_config_carries_the_calibration_folder_and_the_quantization_mode()
    {
        _fixture.Tools.AddModelConverter("m.dlc");
        var folder = _fixture.CalibrationImages(3);
        var request = _fixture.Request(VendorFixture.ImageNetManifest + "calibration:\n  path: calibration\n  max_images: 2\nrvc4:\n  " +
            "quantization_mode: INT8_ACCURACY_FOCUSED\n", "rvc4", Precision.FP16Int8);
        var toolchain = VendorToolchains.For(VendorRoute.ModelConverter);

        var plan = await toolchain.PlanAsync(request, CancellationToken.None);
        await toolchain.CompileAsync(plan, CancellationToken.None);

        Assert.Equal([Path.Combine(folder, "img0.png"), Path.Combine(folder, "img1.png")], plan.InputFiles);
        var config = File.ReadAllText(Path.Combine(_fixture.WorkDirectory, "modelconverter.yaml"));
        Assert.Contains(
            $"    calibration: {{path: \"{folder}\", max_images: 2, resize_method: RESIZE}}\n",
            config,
            StringComparison.Ordinal);
        Assert.EndsWith(
            """
            rvc4:
              disable_calibration: false
              snpe_onnx_to_dlc_args: []
              snpe_dlc_quant_args: []
              snpe_dlc_graph_prepare_args: []
              keep_raw_images: false
              use_per_channel_quantization: true
              use_per_row_quantization: false
              optimization_level: 2
              quantization_mode: INT8_ACCURACY_FOCUSED
              htp_socs: [sm8550]

            """.ReplaceLineEndings("\n"),
            config,
            StringComparison.Ordinal);

        // The key's view of the config names no machine-specific path.
        var keyed = plan.Options["config"]!.GetValue<string>();
        Assert.Contains("input_model: \"<model>\"", keyed, StringComparison.Ordinal);
        Assert.Contains("path: \"calibration\"", keyed, StringComparison.Ordinal);
        Assert.DoesNotContain(_fixture.Folder.FullPath, keyed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pad_right_calibration_is_MB6113_through_ModelConverter_which_has_no_such_resize()
    {
        _fixture.Tools.AddModelConverter("m.dlc");
        _fixture.CalibrationImages(2);
        var request = _fixture.Request(
            VendorFixture.ImageNetManifest + "calibration:\n  path: calibration\n  resize_method: PAD_RIGHT\n",
            "rvc4",
            Precision.FP16Int8);

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => VendorFixture.CompileAsync(request, VendorRoute.ModelConverter));

        Assert.Equal("MB6113", error.Diagnostic.Code);
        Assert.Contains("PAD_RIGHT", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Empty(_fixture.Tools.Calls("modelconverter"));
    }

    [Fact]
    public async Task A_ModelConverter_failure_is_MB6103_quoting_its_last_lines()
    {
        _fixture.Tools.Add(
            "modelconverter",
            "echo 'Converting...'; echo 'ValueError: Input `x` has dynamic shape.' >&2; exit 1",
            "modelconverter 0.5.0");
        var request = _fixture.Request(VendorFixture.ImageNetManifest, "hailo", Precision.FP32Int8);

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => VendorFixture.CompileAsync(request, VendorRoute.ModelConverter));

        Assert.Equal("MB6103", error.Diagnostic.Code);
        Assert.Contains("modelconverter failed with exit code 1", error.Diagnostic.Message, StringComparison.Ordinal);
        // Standard output and standard error are two pipes read side by side: both last lines are quoted, in either order.
        Assert.Contains("Converting...", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("ValueError: Input `x` has dynamic shape.", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_without_the_model_file_is_MB6105()
    {
        _fixture.Tools
            .Add("modelconverter", "mkdir -p output/modelbuild; echo '{}' > output/modelbuild/buildinfo.json", "modelconverter 0.5.0");
        var request = _fixture.Request(VendorFixture.ImageNetManifest, "rvc3", Precision.FP16);

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => VendorFixture.CompileAsync(request, VendorRoute.ModelConverter));

        Assert.Equal("MB6105", error.Diagnostic.Code);
        Assert.Contains("output/modelbuild/m.blob", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_superblob_from_ModelConverter_is_checked()
    {
        _fixture.Tools.AddModelConverter("m.superblob");
        var request = _fixture.Request(VendorFixture.ImageNetManifest, "rvc2", Precision.FP16);

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => VendorFixture.CompileAsync(request, VendorRoute.ModelConverter));

        Assert.Equal("MB6111", error.Diagnostic.Code);
    }

    [Fact]
    public async Task OpenVINO_IR_is_not_a_ModelConverter_target()
    {
        _fixture.Tools.AddModelConverter("m.xml");
        var request = _fixture.Request(VendorFixture.ImageNetManifest, "openvino", Precision.FP16);

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => VendorFixture.CompileAsync(request, VendorRoute.ModelConverter));

        Assert.Equal("MB6107", error.Diagnostic.Code);
    }
}
