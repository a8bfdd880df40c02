using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Core.Tests.Toolchains;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary><c>modelbuild vendor-compile</c> run as a program, with stand-in vendor tools given by <c>--tool</c>.</summary>
public sealed class VendorCompileCommandTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();
    private readonly StandInTools _tools = new();

    public VendorCompileCommandTests()
    {
        File.WriteAllBytes(_folder.Combine("m.onnx"), TinyConvNet.Bytes());
        File.WriteAllText(
            _folder.Combine("m.yaml"),
            "input_model: m.onnx\nshape: [1, 3, 8, 8]\nmean_values: 127.5\nscale_values: 127.5\nrvc2:\n  superblob: false\n");
    }

    public void Dispose()
    {
        _tools.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public void Compiles_rvc2_through_the_toolchain_and_writes_the_outputs()
    {
        var mo = _tools.Add("mo", """
            out=$(value --output_dir "$@"); stem=$(basename "$(value --input_model "$@")" .onnx)
            echo '<net/>' > "$out/$stem.xml"; echo weights > "$out/$stem.bin"
            """, "Version of Model Optimizer is: 2022.3.0");
        var compileTool = _tools.Add(
            "compile_tool",
            "echo blob > \"$(value -o \"$@\")\"",
            "OpenVINO Runtime version ......... 2022.3.0\nBuild ........... 2022.3.0-9052");

        var result = EngineProcess.Run(
            "vendor-compile", _folder.Combine("m.onnx"), "--manifest", _folder.Combine("m.yaml"), "--target", "rvc2", "--precision", "FP16",
            "-o", _folder.Combine(
                "out"), "--via", "toolchain", "--tool", $"mo={mo}", "--tool", $"compile_tool={compileTool}", "--nn-archive");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            ["--output_dir", "intermediate_outputs", "--output", "y", "--compress_to_fp16", "--input", "x[1 3 8 8]{f32}",
             "--mean_values", "x[127.5,127.5,127.5]", "--scale_values", "x[127.5,127.5,127.5]", "--reverse_input_channels",
             "--input_model", "intermediate_outputs/m.onnx"],
            Assert.Single(_tools.Calls("mo")));
        Assert.Equal(
            ["buildinfo.json", "m.blob", "m.rvc2.tar.xz", "modelbuild-vendor.log"],
            Directory.GetFiles(_folder.Combine("out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("rvc2 FP16 through toolchain", result.StandardOutput, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public void Compiles_OpenVINO_IR_for_rvc2_with_compile_tool_alone()
    {
        TinyOpenVinoIr.Write(_folder.Combine("ir", "m.xml"));
        File.WriteAllText(_folder.Combine("ir.yaml"), "input_model: ir/m.xml\nrvc2:\n  superblob: false\n");
        var compileTool = _tools.Add(
            "compile_tool",
            "echo blob > \"$(value -o \"$@\")\"",
            "OpenVINO Runtime version ......... 2022.3.0\nBuild ........... 2022.3.0-9052");

        var result = EngineProcess.Run(
            "vendor-compile", _folder.Combine("ir", "m.xml"), "--manifest", _folder.Combine("ir.yaml"), "--target", "rvc2",
            "--precision", "FP16", "-o", _folder.Combine("out"), "--via", "toolchain", "--tool", $"compile_tool={compileTool}");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            ["-d", "MYRIAD", "-ip", "U8", "-m", "intermediate_outputs/m.xml", "-o", "intermediate_outputs/m-rvc2.blob",
             "-c", "intermediate_outputs/myriad_8shaves.conf"],
            Assert.Single(_tools.Calls("compile_tool")));
        Assert.Equal(
            ["buildinfo.json", "m.blob", "modelbuild-vendor.log"],
            Directory.GetFiles(_folder.Combine("out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        result.AssertNoStackTrace();
    }

    [Fact]
    public void OpenVINO_IR_for_rvc4_is_MB6182_at_the_manifests_input_model()
    {
        TinyOpenVinoIr.Write(_folder.Combine("ir", "m.xml"));
        File.WriteAllText(_folder.Combine("ir.yaml"), "input_model: ir/m.xml\n");

        var result = EngineProcess.Run(
            "vendor-compile", _folder.Combine("ir", "m.xml"), "--manifest", _folder.Combine("ir.yaml"), "--target", "rvc4",
            "--precision", "FP16", "-o", _folder.Combine("out"), "--via", "toolchain");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith(_folder.Combine("ir.yaml") + "(1,", line, StringComparison.Ordinal);
        Assert.Contains("error MB6182: 'm.xml' is OpenVINO IR, and target 'rvc4'", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.Combine("out")));
        result.AssertNoStackTrace();
    }

    [Fact]
    public void A_missing_tool_is_a_canonical_MB6101_error()
    {
        var result = EngineProcess.Run(
            "vendor-compile", _folder.Combine("m.onnx"), "--manifest", _folder.Combine("m.yaml"), "--target", "rvc4", "--precision", "FP16",
            "-o", _folder.Combine("out"), "--via", "toolchain", "--tool", $"snpe-onnx-to-dlc={_folder.Combine("nowhere")}");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("modelbuild: error MB6101: Target 'rvc4' needs snpe-onnx-to-dlc", line, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public void A_malformed_tool_path_is_MB6117()
    {
        var result = EngineProcess.Run(
            "vendor-compile", _folder.Combine("m.onnx"), "--manifest", _folder.Combine("m.yaml"), "--target", "rvc2", "--precision", "FP16",
            "-o", _folder.Combine("out"), "--tool", "compiletool");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(
            "error MB6117: Tool path 'compiletool' is not of the form name=path",
            result.StandardError,
            StringComparison.Ordinal);
    }
}
