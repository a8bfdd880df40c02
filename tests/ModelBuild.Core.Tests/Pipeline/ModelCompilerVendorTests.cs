using System.Formats.Tar;
using System.Text;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache.Remote;
using ModelBuild.Core.Tests.Toolchains;
using static ModelBuild.Core.Tests.Pipeline.ModelCompilerTests;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>
/// Vendor targets through the whole pipeline, with the stand-in tools of <see cref="StandInTools"/>: which
/// model the tool gets, the files the compiled model ends up with, the accessor's view of its inputs, and
/// the vendor-compile action's caching (by tool binary, by calibration content, without the tool at all).
/// </summary>
[Trait("Category", "Integration")]
public sealed class ModelCompilerVendorTests : IDisposable
{
    private const string ImageNetManifest = """
        input_model: tiny.onnx
        inputs:
          - name: x
            shape: [1, 3, 8, 8]
            mean_values: imagenet
            scale_values: imagenet

        """;

    private const string Rvc2Manifest = ImageNetManifest + "rvc2:\n  superblob: false\n";

    // inspect, prepare, vendor-compile.
    private const int ActionsPerModel = 3;

    private readonly EngineWorkspace _workspace = new(Rvc2Manifest);
    private readonly StandInTools _tools = new();

    public void Dispose()
    {
        _tools.Dispose();
        _workspace.Dispose();
    }

    [Fact]
    public async Task Rvc2_FP16_gives_mo_the_float_model_with_preprocessing_as_flags_and_returns_the_blob()
    {
        AddOpenVinoRecordingTheModel();

        var outcome = await _workspace.CompileAsync(Request("rvc2", "FP16", "toolchain"));

        var compiled = AssertSucceeded(outcome);
        Assert.Equal(["tiny.blob", "tiny.vendor-buildinfo.json"], compiled.Files.Select(f => f.FileName));
        Assert.StartsWith("BLOB MYRIAD intermediate_outputs/tiny.xml\n", Text(compiled.Files[0]), StringComparison.Ordinal);
        Assert.Equal("toolchain", Json(compiled.Files[1])["route"]!.GetValue<string>());
        Assert.Equal((ActionsPerModel, 0), (outcome.ActionsRun, outcome.ActionsCached));

        // mean, scale and the channel flip go to mo; the ONNX model it gets is the float32 prepared one, nothing baked in.
        var mo = Assert.Single(_tools.Calls("mo"));
        Assert.Equal(
            ["--compress_to_fp16", "--input", "x[1 3 8 8]{f32}", "--mean_values", "x[123.675,116.28,103.53]",
             "--scale_values", "x[58.395,57.12,57.375]", "--reverse_input_channels"],
            mo.Skip(4).Take(8));
        var given = OnnxModelFile.Read(File.ReadAllBytes(Path.Combine(_tools.Records, "mo-input.onnx")), "mo-input.onnx");
        Assert.Equal(["Conv", "Relu", "Conv", "Relu"], given.Graph.Node.Select(n => n.OpType));
        Assert.Equal((int)TensorProto.Types.DataType.Float, given.Graph.Input.Single().Type.TensorType.ElemType);

        // The blob holds the preprocessing and takes uint8 (compile_tool -ip U8) in the fed BGR order.
        var input = Assert.Single(compiled.Inputs);
        Assert.Equal(("uint8", "BGR"), (input.ElementType, input.Encoding));
        Assert.Null(input.Mean);
        Assert.Null(input.Scale);
        Assert.Contains("\"vendor-compile\"", compiled.BuildInfo!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_vendor_action_key_changes_with_the_tools_binary_and_nothing_else_runs_again()
    {
        _tools.AddOpenVino2022();
        var first = await _workspace.CompileAsync(Request("rvc2", "FP16", "toolchain"));
        var again = await _workspace.CompileAsync(Request("rvc2", "FP16", "toolchain"));
        _tools.Add(
            "compile_tool",
            StandInTools.CompileToolBody + "\n# rebuilt",
            "OpenVINO Runtime version ......... 2022.3.0\nBuild ........... 2022.3.0-9052-9752fafe8eb");

        var rebuilt = await _workspace.CompileAsync(Request("rvc2", "FP16", "toolchain"));

        AssertSucceeded(first);
        Assert.Equal((0, ActionsPerModel), (again.ActionsRun, again.ActionsCached));
        Assert.Equal((1, ActionsPerModel - 1), (rebuilt.ActionsRun, rebuilt.ActionsCached));
        Assert.NotEqual(VendorKey(first), VendorKey(rebuilt));
        Assert.Equal(2, _tools.Calls("compile_tool").Count);
    }

    [Fact]
    public async Task A_machine_without_the_tool_restores_the_result_compiled_elsewhere()
    {
        _tools.AddOpenVino2022();
        var withTools = AssertSucceeded(await _workspace.CompileAsync(Request("rvc2", "FP16", "toolchain")));
        File.Move(_tools.Paths["compile_tool"], _tools.Paths["compile_tool"] + ".gone");
        File.Move(_tools.Paths["mo"], _tools.Paths["mo"] + ".gone");

        var outcome = await _workspace.CompileAsync(Request("rvc2", "FP16", "toolchain"));

        var restored = AssertSucceeded(outcome);
        Assert.Equal((0, ActionsPerModel), (outcome.ActionsRun, outcome.ActionsCached));
        Assert.Equal(withTools.Files, restored.Files);
        Assert.Contains(outcome.Actions, a => a.Description == "tiny: vendor-compile (compiled elsewhere)" && a.Cached);
        Assert.Single(_tools.Calls("compile_tool"));
    }

    [Fact]
    public async Task A_CI_machine_without_the_tools_restores_what_another_machine_put_in_the_remote_cache()
    {
        using var redis = new RedisServer();
        _tools.AddOpenVino2022();
        var first = await CompileOnMachineAsync("machine-a", redis.Address, Request("rvc2", "FP16", "toolchain"));

        var second = await CompileOnMachineAsync("machine-b", redis.Address, Request("rvc2", "FP16", "toolchain", withToolPaths: false));

        Assert.Equal((0, ActionsPerModel), (second.ActionsRun, second.ActionsCached));
        var file = AssertSucceeded(second).Files[0];
        Assert.Equal(AssertSucceeded(first).Files, AssertSucceeded(second).Files);
        Assert.Equal(
            _workspace.ReadCompiled(file, Path.Combine(_workspace.Root, "machine-a")),
            _workspace.ReadCompiled(file, Path.Combine(_workspace.Root, "machine-b")));
        Assert.Contains(second.Actions, a => a.Description == "tiny: vendor-compile (compiled elsewhere) (remote cache)");
        Assert.Single(_tools.Calls("compile_tool"));
    }

    [Fact]
    public async Task A_missing_tool_without_a_cached_result_is_MB6119_naming_the_target_the_property_and_the_variable()
    {
        _tools.Add("mo", StandInTools.MoBody);

        var outcome = await _workspace.CompileAsync(Request("rvc2", "FP16", "toolchain", withToolPaths: false) with
        {
            Vendor = new VendorBuildSettings
            {
                Route = "toolchain",
                ToolPaths = new Dictionary<string, string> { ["mo"] = _tools.Paths["mo"] },
                Environment = NoEnvironment
            },
        });

        var error = Assert.Single(outcome.Diagnostics, d => d.IsError);
        Assert.Equal("MB6119", error.Code);
        Assert.StartsWith("Target 'rvc2' needs compile_tool (OpenVINO 2022.3 compile_tool)", error.Message, StringComparison.Ordinal);
        Assert.Contains(
            "ModelBuildToolchainPaths property (compile_tool=path), set MODELBUILD_COMPILE_TOOL",
            error.Message,
            StringComparison.Ordinal);
        Assert.Empty(_tools.Calls("mo"));
    }

    [Fact]
    public async Task Rvc4_INT8_through_SNPE_bakes_preprocessing_into_the_model_and_keys_the_calibration_images_by_content()
    {
        _tools.AddSnpe();
        _tools.Add(
            "snpe-onnx-to-dlc",
            "m=$(value -i \"$@\"); cp \"$m\" \"$rec/snpe-input.onnx\"; echo dlc > \"${m%.onnx}.dlc\"",
            "SNPE v2.26.0");
        var images = VendorFixture.WriteCalibrationImages(Path.Combine(_workspace.ModelsFolder, "calibration"), 2);
        _workspace.WriteManifest(ImageNetManifest + "calibration:\n  path: calibration\n");

        var outcome = await _workspace.CompileAsync(Request("rvc4", "FP16-INT8", "toolchain"));

        var compiled = AssertSucceeded(outcome);
        Assert.Equal(["tiny.dlc", "tiny.vendor-buildinfo.json"], compiled.Files.Select(f => f.FileName));
        Assert.Equal("prepared\n", Text(compiled.Files[0]));
        Assert.Single(_tools.Calls("snpe-dlc-quant"));

        // SNPE quantizes from the calibration images itself: no quantize step, no QDQ model.
        Assert.DoesNotContain(outcome.Actions, a => a.Description == "tiny: quantize");
        var given = OnnxModelFile.Read(File.ReadAllBytes(Path.Combine(_tools.Records, "snpe-input.onnx")), "snpe-input.onnx");
        Assert.True(given.Graph.Node.Count > 4, "SNPE has no preprocessing flags: mean, scale and the flip are in the model it gets.");
        Assert.Contains(Path.Combine(images, "img0.png"), outcome.Dependencies);
        var input = Assert.Single(compiled.Inputs);
        Assert.Equal(("float32", "BGR"), (input.ElementType, input.Encoding));
        Assert.Null(input.Mean);

        // Another image under the same name: prepare (validated on the images) and the vendor compile (calibrated
        // on them) run again, since both key the images by content; inspect does not.
        VendorFixture.WriteCalibrationImages(Path.Combine(_workspace.ModelsFolder, "other"), 1);
        File.Copy(Path.Combine(_workspace.ModelsFolder, "other", "img0.png"), Path.Combine(images, "img1.png"), overwrite: true);
        var changed = await _workspace.CompileAsync(Request("rvc4", "FP16-INT8", "toolchain"));
        Assert.Equal((2, 1), (changed.ActionsRun, changed.ActionsCached));
        Assert.NotEqual(VendorKey(outcome), VendorKey(changed));
        Assert.Equal(2, _tools.Calls("snpe-dlc-quant").Count);
    }

    [Fact]
    public async Task Hailo_through_ModelConverter_gets_the_config_with_preprocessing_and_returns_the_hef()
    {
        _tools.AddModelConverter("tiny.hef", "cp modelconverter.yaml \"$rec/modelconverter.yaml\"");

        var outcome = await _workspace.CompileAsync(Request("hailo", "FP16-INT8", "modelconverter"));

        var compiled = AssertSucceeded(outcome);
        Assert.Equal(["tiny.hef", "tiny.vendor-buildinfo.json"], compiled.Files.Select(f => f.FileName));
        Assert.Equal("blob for hailo\n", Text(compiled.Files[0]));
        Assert.Equal("0.5.0", Json(compiled.Files[1])["modelconverter_version"]!.GetValue<string>());
        Assert.Equal(
            ["convert", "hailo", "--path", "modelconverter.yaml", "--output-dir", "modelbuild", "--to", "native"],
            Assert.Single(_tools.Calls("modelconverter")));
        var config = File.ReadAllText(Path.Combine(_tools.Records, "modelconverter.yaml"));
        Assert.Contains("    mean_values: [123.675, 116.28, 103.53]\n", config, StringComparison.Ordinal);
        Assert.Contains("    encoding: {from: RGB, to: BGR}\n", config, StringComparison.Ordinal);
        Assert.Contains("\nhailo:\n", config, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenVINO_FP16_returns_the_xml_and_bin_and_publishes_the_preprocessing_for_the_app()
    {
        _tools.AddOvc();

        var outcome = await _workspace.CompileAsync(Request("openvino", "FP16", route: null));

        var compiled = AssertSucceeded(outcome);
        Assert.Equal(["tiny.xml", "tiny.bin", "tiny.vendor-buildinfo.json"], compiled.Files.Select(f => f.FileName));
        Assert.Equal(("xml\n", "bin\n"), (Text(compiled.Files[0]), Text(compiled.Files[1])));
        Assert.Equal(
            ["intermediate_outputs/tiny.onnx", "--output_model", "intermediate_outputs/ir/tiny.xml", "--compress_to_fp16=True"],
            Assert.Single(_tools.Calls("ovc")));
        var input = Assert.Single(compiled.Inputs);
        Assert.Equal(("float32", "RGB"), (input.ElementType, input.Encoding));
        Assert.Equal([123.675, 116.28, 103.53], input.Mean!);
    }

    [Fact]
    public async Task OpenVINO_INT8_converts_the_QDQ_model_of_the_quantize_step()
    {
        _workspace.WriteManifest(ImageNetManifest + "calibration:\n  max_images: 8\n");
        _tools.Add("ovc", "cp \"$1\" \"$rec/ovc-input.onnx\"\n" + StandInTools.OvcBody, StandInTools.OvcVersion);

        var outcome = await _workspace.CompileAsync(Request("openvino", "FP16-INT8", route: null));

        var compiled = AssertSucceeded(outcome);
        Assert.Empty(outcome.Diagnostics);
        Assert.Equal(
            ["tiny: inspect", "tiny: prepare", "tiny: quantize", "tiny: vendor-compile"],
            outcome.Actions.Select(a => a.Description));
        Assert.Equal(["tiny.xml", "tiny.bin", "tiny.vendor-buildinfo.json"], compiled.Files.Select(f => f.FileName));
        var given = OnnxModelFile.Read(File.ReadAllBytes(Path.Combine(_tools.Records, "ovc-input.onnx")), "ovc-input.onnx");
        Assert.Contains(given.Graph.Node, n => n.OpType == "QuantizeLinear");
        Assert.Contains(given.Graph.Node, n => n.OpType == "DequantizeLinear");
        Assert.Contains(outcome.Attachments, a => a.FileName == "quantization-report.html");
    }

    [Fact]
    public async Task Package_nnarchive_makes_the_NN_Archive_the_only_output()
    {
        _tools.AddOpenVino2022();

        var outcome = await _workspace.CompileAsync(Request("rvc2", "FP16", "toolchain") with
        {
            Vendor = Settings("toolchain") with { Package = "nnarchive" },
        });

        var archive = Assert.Single(AssertSucceeded(outcome).Files);
        Assert.Equal("tiny.rvc2.tar.xz", archive.FileName);
        using var xz = new SharpCompress.Compressors.Xz.XZStream(new MemoryStream(_workspace.ReadCompiled(archive)));
        using var tar = new TarReader(xz);
        var names = new List<string>();
        while (tar.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        Assert.Equal(["tiny.blob", "buildinfo.json", "config.json"], names);
    }

    [Theory]
    [InlineData("rvc2", "zip", "MB6120")]
    [InlineData("onnx", "nnarchive", "MB6121")]
    public async Task A_package_that_cannot_be_made_is_an_error(string target, string package, string code)
    {
        var outcome = await _workspace.CompileAsync(Request(target, target == "onnx" ? "FP32" : "FP16", "toolchain") with
        {
            Vendor = Settings("toolchain") with { Package = package },
        });

        Assert.Equal(code, Assert.Single(outcome.Diagnostics, d => d.IsError).Code);
    }

    private async Task<ModelCompileOutcome> CompileOnMachineAsync(string machine, string remote, ModelCompileRequest request)
    {
        using var cache = ModelBuildCache.Open(new CacheOptions
        {
            Root = Path.Combine(_workspace.Root, machine),
            RemoteCache = remote,
            RemoteTimeout = TimeSpan.FromSeconds(10)
        });
        using var fetcher = new SourceFetcher(cache);
        return await new ModelCompiler(cache, fetcher, EngineIdentity.Current, salt: null).CompileAsync(request);
    }

    private static string? NoEnvironment(string name) => name == "PATH" ? string.Empty : null;

    private ModelCompileRequest Request(string target, string precision, string? route, bool withToolPaths = true) =>
        _workspace.Request(target, precision) with { Vendor = Settings(route, withToolPaths) };

    private VendorBuildSettings Settings(string? route, bool withToolPaths = true) => new()
    {
        Route = route,
        ToolPaths = withToolPaths ? _tools.Paths : new Dictionary<string, string>(),
        ToolTimeout = TimeSpan.FromMinutes(5),
        Environment = NoEnvironment,
    };

    private void AddOpenVinoRecordingTheModel()
    {
        _tools.AddOpenVino2022();
        _tools.Add("mo", StandInTools.MoBody + "\ncp \"$model\" \"$rec/mo-input.onnx\"", "Version of Model Optimizer is: 2022.3.0-9052");
    }

    private static string VendorKey(ModelCompileOutcome outcome)
        => outcome.Actions.Single(a => a.Description == "tiny: vendor-compile").Key;

    private string Text(CompiledFile file) => Encoding.UTF8.GetString(_workspace.ReadCompiled(file));

    private System.Text.Json.Nodes.JsonNode Json(CompiledFile file)
        => System.Text.Json.Nodes.JsonNode.Parse(_workspace.ReadCompiled(file))!;
}
