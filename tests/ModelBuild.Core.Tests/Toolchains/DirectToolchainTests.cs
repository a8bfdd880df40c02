using System.Formats.Tar;
using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Targets;
using ModelBuild.Core.Toolchains;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Tests.Toolchains;

/// <summary>
/// The direct route with stand-in tools: the exact argument lists, config files and calibration files
/// each target's tools receive, checked against ModelConverter's (and the vendors' documented) ones.
/// </summary>
public sealed class DirectToolchainTests : IDisposable
{
    private readonly VendorFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Rvc2_FP16_runs_mo_and_compile_tool_with_ModelConverters_arguments()
    {
        _fixture.Tools.AddOpenVino2022();
        var request = _fixture.Request(
            VendorFixture.ImageNetManifest + "rvc2:\n  superblob: false\n  number_of_shaves: 6\n",
            "rvc2",
            Precision.FP16);

        var result = await VendorFixture.CompileAsync(request, VendorRoute.Toolchain);

        Assert.Equal(
            ["--output_dir", "intermediate_outputs", "--output", "y", "--compress_to_fp16", "--input", "x[1 3 8 8]{f32}",
             "--mean_values", "x[123.675,116.28,103.53]", "--scale_values", "x[58.395,57.12,57.375]", "--reverse_input_channels",
             "--input_model", "intermediate_outputs/m.onnx"],
            Single("mo"));
        Assert.Equal(
            ["-d", "MYRIAD", "-ip", "U8", "-m", "intermediate_outputs/m.xml", "-o", "intermediate_outputs/m-rvc2.blob",
             "-c", "intermediate_outputs/myriad_6shaves.conf"],
            Single("compile_tool"));
        Assert.Equal(_fixture.WorkDirectory, _fixture.Tools.WorkingDirectory("mo", 0));
        Assert.Equal(
            "MYRIAD_ENABLE_MX_BOOT NO\nMYRIAD_NUMBER_OF_SHAVES 6\nMYRIAD_NUMBER_OF_CMX_SLICES 6\nMYRIAD_THROUGHPUT_STREAMS 1\n",
            File.ReadAllText(Path.Combine(_fixture.WorkDirectory, "intermediate_outputs", "myriad_6shaves.conf")));

        Assert.Equal(["m.blob", "buildinfo.json", "modelbuild-vendor.log"], result.Files.Select(f => f.FileName));
        Assert.StartsWith("BLOB MYRIAD intermediate_outputs/m.xml", File.ReadAllText(result.Model.Path), StringComparison.Ordinal);
        var info = result.BuildInfo;
        Assert.Equal("2022.3.0-9052", info["model_optimizer_version"]!.GetValue<string>());
        Assert.Equal("2022.3.0", info["compile_tool_version"]!.GetValue<string>());
        Assert.Equal("2022.3.0-9052-9752fafe8eb", info["compile_tool_build"]!.GetValue<string>());
        Assert.Equal(6, info["number_of_shaves"]!.GetValue<int>());
        Assert.Equal(["mo", "--output_dir"], info["cmd_info"]!["model_optimizer"]!.AsArray().Take(2).Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public async Task Rvc2_FP32_does_not_compress_and_a_BGR_model_gets_no_channel_flip()
    {
        _fixture.Tools.AddOpenVino2022();
        var request = _fixture.Request(
            "input_model: m.onnx\nencoding: BGR\nshape: [1, 3, 8, 8]\nrvc2:\n  superblob: false\n",
            "rvc2",
            Precision.FP32);

        await VendorFixture.CompileAsync(request, VendorRoute.Toolchain);

        Assert.Equal(
            ["--output_dir", "intermediate_outputs", "--output", "y", "--input", "x[1 3 8 8]{f32}",
             "--input_model", "intermediate_outputs/m.onnx"],
            Single("mo"));
    }

    [Fact]
    public async Task Rvc2_superblob_holds_the_8_shave_blob_and_bsdiff_patches_that_rebuild_every_other_blob()
    {
        ModelBuild.Tests.DebianPackage.Bsdiff.Require("/usr/bin/bsdiff");
        ModelBuild.Tests.DebianPackage.Bsdiff.Require("/usr/bin/bspatch");
        _fixture.Tools.AddOpenVino2022();
        _fixture.Tools.UseReal("bsdiff", "/usr/bin/bsdiff");
        var request = _fixture.Request(VendorFixture.ImageNetManifest, "rvc2", Precision.FP16);

        var result = await VendorFixture.CompileAsync(request, VendorRoute.Toolchain);

        var compiles = _fixture.Tools.Calls("compile_tool");
        Assert.Equal(16, compiles.Count);
        Assert.Equal(
            ["-d", "MYRIAD", "-ip", "U8", "-m", "intermediate_outputs/m.xml", "-o", "intermediate_outputs/blobs/m_8shave.blob",
             "-c", "intermediate_outputs/myriad_8shaves.conf"],
            compiles[0]);
        Assert.Equal(
            ["-d", "MYRIAD", "-ip", "U8", "-m", "intermediate_outputs/m.xml", "-c", "intermediate_outputs/myriad_1shaves.conf",
             "-o", "intermediate_outputs/blobs/m_1shave.blob"],
            compiles[1]);
        Assert.Equal("m.superblob", result.Model.FileName);

        var superblob = SuperblobFile.Read(File.ReadAllBytes(result.Model.Path), result.Model.Path);
        var blobs = Path.Combine(_fixture.WorkDirectory, "intermediate_outputs", "blobs");
        Assert.Equal(File.ReadAllBytes(Path.Combine(blobs, "m_8shave.blob")), superblob.Blob.ToArray());
        Assert.Equal(0, superblob.PatchSizes[SuperblobFile.BaseShaves - 1]);
        var baseBlob = Path.Combine(blobs, "m_8shave.blob");
        foreach (var shaves in OpenVinoBlobCompilationShaves())
        {
            var patch = Path.Combine(_fixture.Folder.FullPath, $"p{shaves}");
            File.WriteAllBytes(patch, superblob.Patch(shaves).ToArray());
            var rebuilt = Path.Combine(_fixture.Folder.FullPath, $"b{shaves}");
            var run = ModelBuild.Tests.ProcessRunner.Run("/usr/bin/bspatch", [baseBlob, rebuilt, patch]);
            Assert.True(run.Succeeded, run.Output);
            Assert.Equal(File.ReadAllBytes(Path.Combine(blobs, $"m_{shaves}shave.blob")), File.ReadAllBytes(rebuilt));
            Assert.Equal(new FileInfo(rebuilt).Length, superblob.PatchedBlobSize(shaves));
        }

        Assert.Equal(Enumerable.Range(1, 16), result.BuildInfo["number_of_shaves"]!.AsArray().Select(n => n!.GetValue<int>()));
    }

    [Fact]
    public async Task Rvc3_INT8_writes_POTs_config_and_images_then_compiles_for_VPUX()
    {
        _fixture.Tools.AddOpenVino2022();
        _fixture.Tools.Add("pot", """
            out=$(value --output-dir "$@"); mkdir -p "$out/optimized"; echo int8 > "$out/optimized/m-int8.xml"
            """);
        _fixture.CalibrationImages(2);
        var request = _fixture.Request(VendorFixture.ImageNetManifest + "calibration:\n  path: calibration\n", "rvc3", Precision.FP16Int8);

        var result = await VendorFixture.CompileAsync(request, VendorRoute.Toolchain);

        Assert.Equal(["--config", "intermediate_outputs/pot_config.json", "-d", "--output-dir", "intermediate_outputs"], Single("pot"));
        Assert.Equal(
            ["-d", "VPUX.3400", "-ip", "U8", "-m", "intermediate_outputs/optimized/m-int8.xml",
             "-o", "intermediate_outputs/m-rvc3-int8.blob"],
            Single("compile_tool"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_fixture.WorkDirectory, "intermediate_outputs", "pot_config.json")))!;
        var expected = JsonNode.Parse("""
            {
              "model": {"model_name": "m-int8", "model": "intermediate_outputs/m.xml", "weights": "intermediate_outputs/m.bin"},
              "engine": {
                "launchers": [{"framework": "openvino", "device": "CPU"}],
                "datasets": [{"name": "calibration", "data_source": "intermediate_outputs/calibration_images", "reader": "opencv_imread"}]
              },
              "compression": {
                "target_device": "VPU",
                "algorithms": [{"name": "DefaultQuantization", "params": {"preset": "performance", "stat_subset_size": 300}}]
              }
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, config), config.ToJsonString());
        var images = Directory.GetFiles(Path.Combine(_fixture.WorkDirectory, "intermediate_outputs", "calibration_images"))
            .Select(Path.GetFileName)
            .Order();
        Assert.Equal(["img0.bmp", "img1.bmp"], images);
        Assert.Contains("--mean_values", Single("mo"));
        Assert.Equal("m.blob", result.Model.FileName);
    }

    [Theory]
    [InlineData("INT8_STANDARD", new string[0])]
    [InlineData("INT8_ACCURACY_FOCUSED", new[] { "--param_quantizer", "enhanced", "--act_quantizer", "enhanced" })]
    [InlineData("INT8_INT16_MIXED", new[] { "--act_bitwidth", "16" })]
    [InlineData(
        "INT8_INT16_MIXED_ACCURACY_FOCUSED",
        new[] { "--param_quantizer", "enhanced", "--act_quantizer", "enhanced", "--act_bitwidth", "16" })]
    public async Task Rvc4_INT8_converts_quantizes_with_a_raw_input_list_and_prepares_for_HTP(string mode, string[] modeFlags)
    {
        _fixture.Tools.AddSnpe();
        _fixture.CalibrationImages(2);
        var request = _fixture.Request(
            VendorFixture.ImageNetManifest + $"calibration:\n  path: calibration\nrvc4:\n  quantization_mode: {mode}\n",
            "rvc4",
            Precision.FP16Int8);

        var result = await VendorFixture.CompileAsync(request, VendorRoute.Toolchain);

        Assert.Equal(
            ["-i", "intermediate_outputs/m.onnx", "--input_dim", "x", "1,3,8,8", "--input_dtype", "x", "float32", "--out_name", "y",
             "--input_layout", "x", "NCHW"],
            Single("snpe-onnx-to-dlc"));
        Assert.Equal(
            ["--input_list", "intermediate_outputs/img_list.txt", "--input_dlc", "intermediate_outputs/m.dlc",
             "--output_dlc", "intermediate_outputs/m-quantized.dlc", "--use_per_channel_quantization", .. modeFlags],
            Single("snpe-dlc-quant"));
        Assert.Equal(
            ["--input_dlc", "intermediate_outputs/m-quantized.dlc", "--output_dlc", "intermediate_outputs/prepared/m.dlc",
             "--set_output_tensors", "y", "--optimization_level", "2", "--htp_socs", "sm8550"],
            Single("snpe-dlc-graph-prepare"));

        var raw = Path.Combine(_fixture.WorkDirectory, "intermediate_outputs", "raw_files");
        Assert.Equal(
            [$"x:={Path.Combine(raw, "1.raw")}", $"x:={Path.Combine(raw, "2.raw")}"],
            File.ReadAllLines(Path.Combine(_fixture.WorkDirectory, "intermediate_outputs", "img_list.txt")));

        // Height × width × channels float32 on a 0–255 scale, BGR (encoding.to).
        var first = File.ReadAllBytes(Path.Combine(raw, "1.raw"));
        Assert.Equal(8 * 8 * 3 * sizeof(float), first.Length);
        var values = Tensor.FromBytes(TensorElementType.Float, first, [8 * 8 * 3]).ToArray<float>();
        Assert.All(values, v => Assert.True(v is >= 0 and <= 255 && v == MathF.Round(v)));
        Assert.Equal(mode, result.BuildInfo["quantization_mode"]!.GetValue<string>());
        Assert.Equal("m.dlc", result.Model.FileName);
    }

    [Fact]
    public async Task Rvc4_FP16_converts_with_16_bit_floats_skips_quantization_and_keeps_float_io()
    {
        _fixture.Tools.AddSnpe();
        var request = _fixture.Request(VendorFixture.ImageNetManifest + "rvc4:\n  htp_socs: [sm8650, qcs6490]\n", "rvc4", Precision.FP16);

        await VendorFixture.CompileAsync(request, VendorRoute.Toolchain);

        Assert.Equal(
            ["-i", "intermediate_outputs/m.onnx", "--input_dim", "x", "1,3,8,8", "--input_dtype", "x", "float32", "--out_name", "y",
             "--input_layout", "x", "NCHW", "--float_bitwidth", "16"],
            Single("snpe-onnx-to-dlc"));
        Assert.Empty(_fixture.Tools.Calls("snpe-dlc-quant"));
        Assert.Equal(
            ["--input_dlc", "intermediate_outputs/m.dlc", "--output_dlc", "intermediate_outputs/prepared/m.dlc",
             "--set_output_tensors", "y", "--optimization_level", "2", "--htp_socs", "sm8650,qcs6490", "--use_float_io"],
            Single("snpe-dlc-graph-prepare"));
    }

    [Fact]
    public async Task Hailo_parses_optimizes_with_a_model_script_and_calibration_set_then_compiles()
    {
        _fixture.Tools.Add("hailo", """
            case "$1" in
              parser) echo har > "$(value --har-path "$@")" ;;
              optimize) echo quantized > "$(value --output-har-path "$@")" ;;
              compiler) echo hef > "$(value --output-dir "$@")/m.hef" ;;
            esac
            """, "Hailo Dataflow Compiler v3.30.0");
        var request = _fixture.Request(
            VendorFixture.ImageNetManifest + "hailo:\n  alls: [\"performance_param(compiler_optimization_level=max)\"]\n",
            "hailo",
            Precision.FP16Int8);

        var result = await VendorFixture.CompileAsync(request, VendorRoute.Toolchain);

        var calls = _fixture.Tools.Calls("hailo");
        Assert.Equal(
            ["parser", "onnx", "intermediate_outputs/m.onnx", "--net-name", "m", "--hw-arch", "hailo8",
             "--har-path", "intermediate_outputs/m.har", "--start-node-names", "x", "--end-node-names", "y"],
            calls[0]);
        Assert.Equal(
            ["optimize", "intermediate_outputs/m.har", "--hw-arch", "hailo8",
             "--calib-set-path", "intermediate_outputs/calibration_set.npy", "--model-script", "intermediate_outputs/m.alls",
             "--output-har-path", "intermediate_outputs/m_optimized.har"],
            calls[1]);
        Assert.Equal(
            ["compiler", "intermediate_outputs/m_optimized.har", "--hw-arch", "hailo8", "--output-dir", "intermediate_outputs/hef"],
            calls[2]);
        Assert.Equal(
            "performance_param(compiler_optimization_level=max)\n" +
            "model_optimization_flavor(optimization_level=2, compression_level=2, batch_size=8)\n" +
            "normalization1 = normalization([123.675, 116.28, 103.53], [58.395, 57.12, 57.375])\n" +
            "input_conversion1 = input_conversion(bgr_to_rgb)\n",
            File.ReadAllText(Path.Combine(_fixture.WorkDirectory, "intermediate_outputs", "m.alls")));

        // ModelConverter's default calibration: 20 random samples, N × H × W × C float32.
        var set = NpyFile.Read(Path.Combine(_fixture.WorkDirectory, "intermediate_outputs", "calibration_set.npy"));
        Assert.Equal([20L, 8, 8, 3], set.Shape);
        Assert.All(set.ToArray<float>(), v => Assert.InRange(v, 0f, 255f));
        Assert.Equal("m.hef", result.Model.FileName);
        Assert.Equal("Hailo Dataflow Compiler v3.30.0", result.BuildInfo["hailo_version"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("FP16", "--compress_to_fp16=True")]
    [InlineData("FP32", "--compress_to_fp16=False")]
    public async Task OpenVINO_IR_is_converted_by_ovc(string precision, string compress)
    {
        _fixture.Tools.AddOvc();
        var request = _fixture.Request(VendorFixture.ImageNetManifest, "openvino", Precision.Find(precision)!);

        var result = await VendorFixture.CompileAsync(request, VendorRoute.Toolchain);

        Assert.Equal(["intermediate_outputs/m.onnx", "--output_model", "intermediate_outputs/ir/m.xml", compress], Single("ovc"));
        Assert.Equal(["m.xml", "m.bin", "buildinfo.json", "modelbuild-vendor.log"], result.Files.Select(f => f.FileName));
    }

    [Fact]
    public async Task OpenVINO_INT8_needs_the_quantized_QDQ_model()
    {
        _fixture.Tools.AddOvc();
        var request = _fixture.Request(VendorFixture.ImageNetManifest, "openvino", Precision.FP16Int8);

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => VendorFixture.CompileAsync(request, VendorRoute.Toolchain));

        Assert.Equal("MB6112", error.Diagnostic.Code);
        Assert.Empty(_fixture.Tools.Calls("ovc"));
    }

    [Fact]
    public async Task A_missing_tool_stops_before_anything_runs()
    {
        _fixture.Tools.Add("mo", StandInTools.MoBody);
        var request = _fixture.Request(VendorFixture.ImageNetManifest + "rvc2:\n  superblob: false\n", "rvc2", Precision.FP16);

        var error = await Assert.ThrowsAsync<ToolNotFoundException>(() => VendorFixture.CompileAsync(request, VendorRoute.Toolchain));

        Assert.Equal("MB6101", error.Diagnostic.Code);
        Assert.Contains("Target 'rvc2' needs compile_tool", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Empty(_fixture.Tools.Calls("mo"));
    }

    [Fact]
    public async Task A_tool_that_reports_success_without_its_output_is_MB6105()
    {
        _fixture.Tools.AddOpenVino2022();
        _fixture.Tools.Add(
            "compile_tool",
            "echo 'Done.'",
            "OpenVINO Runtime version ......... 2022.3.0\nBuild ........... 2022.3.0-9052-9752fafe8eb");
        var request = _fixture.Request(VendorFixture.ImageNetManifest + "rvc2:\n  superblob: false\n", "rvc2", Precision.FP16);

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => VendorFixture.CompileAsync(request, VendorRoute.Toolchain));

        Assert.Equal("MB6105", error.Diagnostic.Code);
        Assert.Contains("'intermediate_outputs/m-rvc2.blob'", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("Done.", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_NN_Archive_holds_the_model_buildinfo_and_its_config()
    {
        _fixture.Tools.AddOpenVino2022();
        var request = _fixture.Request(
            VendorFixture.ImageNetManifest + "rvc2:\n  superblob: false\n",
            "rvc2",
            Precision.FP16,
            nnArchive: true);

        var result = await VendorFixture.CompileAsync(request, VendorRoute.Toolchain);

        var archive = result.Files.Single(f => f.Kind == VendorOutputKind.NnArchive);
        Assert.Equal("m.rvc2.tar.xz", archive.FileName);
        var entries = ReadArchive(archive.Path);
        Assert.Equal(["m.blob", "buildinfo.json", "config.json"], entries.Keys);
        Assert.Equal(File.ReadAllBytes(result.Model.Path), entries["m.blob"]);
        var config = JsonNode.Parse(entries["config.json"])!;
        var expected = JsonNode.Parse("""
            {
              "config_version": "1.0",
              "model": {
                "metadata": {"name": "m", "path": "m.blob", "precision": "float16"},
                "inputs": [{
                  "name": "x", "dtype": "uint8", "input_type": "image", "shape": [1, 3, 8, 8], "layout": "NCHW",
                  "preprocessing": {
                    "mean": [0.0, 0.0, 0.0], "scale": [1.0, 1.0, 1.0], "reverse_channels": false, "interleaved_to_planar": false,
                    "dai_type": "BGR888p"
                  }
                }],
                "outputs": [{"name": "y", "dtype": "float32", "shape": [1, 4], "layout": "NC"}],
                "heads": []
              }
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, config), config.ToJsonString());

        // tar itself reads it, in the same order.
        var listing = ModelBuild.Tests.ProcessRunner.Run("tar", ["-tJf", archive.Path]);
        Assert.Equal("m.blob\nbuildinfo.json\nconfig.json\n", listing.Output);
    }

    private static int[] OpenVinoBlobCompilationShaves() => [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16];

    private IReadOnlyList<string> Single(string tool) => Assert.Single(_fixture.Tools.Calls(tool));

    private static Dictionary<string, byte[]> ReadArchive(string path)
    {
        var entries = new Dictionary<string, byte[]>();
        using var xz = new SharpCompress.Compressors.Xz.XZStream(File.OpenRead(path));
        using var tar = new TarReader(xz);
        while (tar.GetNextEntry() is { } entry)
        {
            using var content = new MemoryStream();
            entry.DataStream?.CopyTo(content);
            entries.Add(entry.Name, content.ToArray());
        }

        return entries;
    }
}
