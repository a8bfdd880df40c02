using System.Security.Cryptography;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary>
/// Models of other frameworks converted to ONNX by their real converters (tf2onnx, Paddle2ONNX, Open Model Zoo's
/// pytorch_to_onnx.py), tested at the argument level with stand-in executables, as the vendor targets are: each stand-in
/// records its arguments and writes a real ONNX network where the real converter would, so the rest of the pipeline runs.
/// </summary>
public sealed class FrameworkConversionTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();
    private readonly byte[] _onnx = TinyConvNet.Bytes();

    public FrameworkConversionTests()
    {
        Directory.CreateDirectory(Bin);
        Directory.CreateDirectory(Records);
        Directory.CreateDirectory(Models);
        File.WriteAllBytes(_root.Combine("converted.onnx"), _onnx);
        WriteStandIn("python3", "tf2onnx 1.16.1");
        WriteStandIn("paddle2onnx", "paddle2onnx 1.2.3");
    }

    public void Dispose() => _root.Dispose();

    private string Bin => _root.Combine("bin");

    private string Records => _root.Combine("records");

    private string Models => _root.Combine("models");

    private string Output => _root.Combine("out");

    private Dictionary<string, string> Tools => new()
    {
        ["MODELBUILD_PYTHON3"] = Path.Combine(Bin, "python3"),
        ["MODELBUILD_PADDLE2ONNX"] = Path.Combine(Bin, "paddle2onnx"),
    };

    /// <summary>
    /// A stand-in: a version probe (<c>-c</c> or <c>--version</c>) prints <paramref name="version"/>; a run records its
    /// arguments, one per line, and copies a real ONNX model to the file named by --output, --save_file or --output-file=.
    /// </summary>
    private void WriteStandIn(string name, string version)
    {
        var path = Path.Combine(Bin, name);
        File.WriteAllText(path, $$"""
            #!/bin/sh
            if [ "$1" = "-c" ] || [ "$1" = "--version" ]; then echo '{{version}}'; exit 0; fi
            i=0; while [ -e '{{Records}}/{{name}}.'$i ]; do i=$((i+1)); done
            for a in "$@"; do printf '%s\n' "$a"; done > '{{Records}}/{{name}}.'$i
            out=""; prev=""
            for a in "$@"; do
              case "$prev" in --output|--save_file) out="$a";; esac
              case "$a" in --output-file=*) out="${a#--output-file=}";; esac
              prev="$a"
            done
            mkdir -p "$(dirname "$out")"; cp '{{_root.Combine("converted.onnx")}}' "$out"
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string[] Recorded(string name, int run) => File.ReadAllLines(Path.Combine(Records, $"{name}.{run}"));

    private int Runs(string name) => Directory.EnumerateFiles(Records, name + ".*").Count();

    private void WriteOmzModel(string name, string framework, string extra, params (string Name, byte[] Bytes)[] files)
    {
        var folder = Path.Combine(Models, "public", name);
        Directory.CreateDirectory(folder);
        var entries = string.Concat(files.Select(f =>
        {
            File.WriteAllBytes(Path.Combine(folder, f.Name), f.Bytes);
            return $"""

                  - name: {f.Name}
                    size: {f.Bytes.Length}
                    checksum: {Convert.ToHexStringLower(SHA384.HashData(f.Bytes))}
                    source: file:{f.Name}
                """;
        }));
        File.WriteAllText(Path.Combine(folder, "model.yml"), $"""
            description: A {framework} network.
            task_type: classification
            files:{entries}
            input_info:
              - name: x
                shape: [1, 3, 8, 8]
                layout: NCHW
            {extra}
            framework: {framework}
            license: https://example.invalid/LICENSE
            """);
    }

    [Fact]
    public void A_tflite_input_model_is_converted_by_tf2onnx_and_its_identity_is_in_the_key()
    {
        File.WriteAllBytes(Path.Combine(Models, "tiny.tflite"), [0x54, 0x46, 0x4C, 0x33, 1, 2, 3]);
        var manifest = Path.Combine(Models, "tiny.yaml");
        File.WriteAllText(manifest, "input_model: tiny.tflite\nshape: [1, 3, 8, 8]\n");
        EngineResult Compile() => EngineProcess.Run(
            Tools, ["convert", manifest, "-o", Output, "--cache-dir", _root.Combine("cache"), "--precision", "FP16"]);

        var result = Compile();

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertNoStackTrace();
        var arguments = Recorded("python3", 0);
        Assert.Equal(["-m", "tf2onnx.convert", "--tflite"], arguments[..3]);
        Assert.EndsWith("/model.tflite", arguments[3], StringComparison.Ordinal);
        Assert.Equal("--output", arguments[4]);
        Assert.EndsWith("/.converted/model.onnx", arguments[5], StringComparison.Ordinal);
        Assert.Equal(["--opset", "17"], arguments[6..]);
        Assert.True(File.Exists(Path.Combine(Output, "tiny.onnx")));
        Assert.NotNull(OnnxModelFile.Read(Path.Combine(Output, "tiny.onnx")).Graph);

        // The same converter again: from the cache. Another version of it: converted again.
        Assert.Equal(0, Compile().ExitCode);
        Assert.Equal(1, Runs("python3"));
        WriteStandIn("python3", "tf2onnx 1.17.0");
        Assert.Equal(0, Compile().ExitCode);
        Assert.Equal(2, Runs("python3"));
    }

    [Fact]
    public void A_missing_converter_is_MB6130_naming_it_and_how_to_install_it()
    {
        File.WriteAllBytes(Path.Combine(Models, "tiny.tflite"), [1, 2, 3]);
        var manifest = Path.Combine(Models, "tiny.yaml");
        File.WriteAllText(manifest, "input_model: tiny.tflite\n");

        var result = EngineProcess.Run(
            new Dictionary<string, string> { ["MODELBUILD_PYTHON3"] = _root.Combine("no-such-python") },
            ["convert", manifest, "-o", Output, "--cache-dir", _root.Combine("cache")]);

        Assert.Equal(1, result.ExitCode);
        result.AssertNoStackTrace();
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains("error MB6130: tiny is a tflite model and needs converting to ONNX by python3", error, StringComparison.Ordinal);
        Assert.Contains("pip install tf2onnx tensorflow", error, StringComparison.Ordinal);
        Assert.Contains("MODELBUILD_PYTHON3", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Output));
    }

    [Fact]
    public void Open_model_zoo_paddle_and_pytorch_models_convert_through_their_converters_in_a_zoo_run()
    {
        WriteOmzModel(
            "paddle-net",
            "paddle",
            "model_optimizer_args:\n  - --input_model=$dl_dir/inference/net.pdmodel",
            ("net.pdmodel", [1, 2, 3]),
            ("net.pdiparams", [4, 5, 6]));
        var script = _root.Combine("pytorch_to_onnx.py");
        File.WriteAllText(script, "# Open Model Zoo's script stands here; the python3 stand-in records how it is called.\n");
        WriteOmzModel(
            "torch-net",
            "pytorch",
            """
            conversion_to_onnx_args:
              - --model-path=$dl_dir
              - --model-name=TorchNet
              - --weights=$dl_dir/torch-net.pth
              - --input-shape=1,3,8,8
              - --input-names=x
              - --output-names=y
              - --output-file=$conv_dir/torch-net.onnx
            model_optimizer_args:
              - --input_model=$conv_dir/torch-net.onnx
            """,
            ("torch-net.pth", [7, 8, 9]));
        // Open Model Zoo keeps paddle files in subfolders its file names give.
        var paddle = Path.Combine(Models, "public", "paddle-net");
        File.WriteAllText(Path.Combine(paddle, "model.yml"), File.ReadAllText(Path.Combine(paddle, "model.yml"))
            .Replace("name: net.", "name: inference/net.", StringComparison.Ordinal));
        Directory.CreateDirectory(Path.Combine(paddle, "inference"));
        File.Move(Path.Combine(paddle, "net.pdmodel"), Path.Combine(paddle, "inference", "net.pdmodel"));
        File.Move(Path.Combine(paddle, "net.pdiparams"), Path.Combine(paddle, "inference", "net.pdiparams"));
        File.WriteAllText(Path.Combine(paddle, "model.yml"), File.ReadAllText(Path.Combine(paddle, "model.yml"))
            .Replace("source: file:net.", "source: file:inference/net.", StringComparison.Ordinal));
        var tools = Tools;
        tools["MODELBUILD_PYTORCH_TO_ONNX_PY"] = script;

        var result = EngineProcess.Run(
            tools,
            ["convert", "--models_dir", Models, "--all", "-o", Output, "--cache_dir", _root.Combine("cache"), "--precisions", "FP32"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertNoStackTrace();
        var paddleArguments = Recorded("paddle2onnx", 0);
        Assert.Equal("--model_dir", paddleArguments[0]);
        Assert.EndsWith("/inference", paddleArguments[1], StringComparison.Ordinal);
        Assert.Equal(["--model_filename", "net.pdmodel", "--params_filename", "net.pdiparams", "--save_file"], paddleArguments[2..7]);
        Assert.Equal(["--opset_version", "13"], paddleArguments[8..]);
        var torchArguments = Recorded("python3", 0);
        Assert.Equal(["--", script, "--model-name=TorchNet"], [torchArguments[0], torchArguments[1], torchArguments[3]]);
        Assert.StartsWith("--model-path=/", torchArguments[2], StringComparison.Ordinal);
        Assert.EndsWith("/torch-net.pth", torchArguments[4], StringComparison.Ordinal);
        Assert.EndsWith("/.converted/torch-net.onnx", torchArguments[^1], StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Output, "public", "paddle-net", "FP32", "paddle-net.onnx")));
        Assert.True(File.Exists(Path.Combine(Output, "public", "torch-net", "FP32", "torch-net.onnx")));
    }
}
