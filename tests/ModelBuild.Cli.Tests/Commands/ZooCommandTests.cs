using System.Security.Cryptography;
using System.Text.Json;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary>
/// <c>modelbuild convert</c> and <c>quantize --models_dir</c> as programs over a zoo folder made by the test: an Open Model Zoo
/// <c>model.yml</c> and a ModelBuild manifest, both of a real ONNX network, converted for real into
/// <c>&lt;out&gt;/&lt;subdirectory&gt;/&lt;precision&gt;/</c>.
/// </summary>
public sealed class ZooCommandTests : IDisposable
{
    private static readonly string[] EventMembers = ["$type", "model", "precision"];
    private readonly TemporaryDirectory _root = new();
    private readonly byte[] _model = TinyConvNet.Bytes();

    public ZooCommandTests()
    {
        var omz = Path.Combine(Zoo, "public", "tiny-net");
        Directory.CreateDirectory(omz);
        File.WriteAllBytes(Path.Combine(omz, "tiny-net.onnx"), _model);
        File.WriteAllText(Path.Combine(omz, "model.yml"), $"""
            description: A tiny convolutional network.
            task_type: classification
            files:
              - name: tiny-net.onnx
                size: {_model.Length}
                checksum: {Convert.ToHexStringLower(SHA384.HashData(_model))}
                source: file:tiny-net.onnx
            input_info:
              - name: x
                shape: [1, 3, 8, 8]
                layout: NCHW
            model_optimizer_args:
              - --input_model=$dl_dir/tiny-net.onnx
            framework: onnx
            license: https://example.invalid/LICENSE
            """);
        var custom = Path.Combine(Zoo, "custom");
        Directory.CreateDirectory(custom);
        File.WriteAllBytes(Path.Combine(custom, "small.onnx"), _model);
        File.WriteAllText(Path.Combine(custom, "small.yaml"), "input_model: small.onnx\nshape: [1, 3, 8, 8]\n");
    }

    public void Dispose() => _root.Dispose();

    private string Zoo => _root.Combine("zoo");

    private string Output => _root.Combine("out");

    private string Cache => _root.Combine("cache");

    private EngineResult Run(string command, params string[] arguments) =>
        EngineProcess.Run([command, "--models_dir", Zoo, "-o", Output, "--cache_dir", Cache, .. arguments]);

    private static ModelProto Read(params string[] path) => OnnxModelFile.Read(Path.Combine(path));

    [Fact]
    public void Convert_all_writes_every_model_at_every_precision_under_subdirectory_and_precision_and_is_deterministic()
    {
        var result = Run("convert", "--all", "--precisions", "FP16,FP32", "-j", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.StandardError);
        result.AssertNoStackTrace();
        var half = Read(Output, "public", "tiny-net", "FP16", "tiny-net.onnx");
        Assert.Contains(half.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float16);
        var full = Read(Output, "public", "tiny-net", "FP32", "tiny-net.onnx");
        Assert.DoesNotContain(full.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float16);
        Assert.True(File.Exists(Path.Combine(Output, "custom", "small", "FP16", "small.onnx")));
        Assert.True(File.Exists(Path.Combine(Output, "custom", "small", "FP32", "buildinfo.json")));
        Assert.Contains(
            $"========== Converting tiny-net (FP16) into {Path.Combine(Output, "public", "tiny-net", "FP16")}",
            result.StandardOutput,
            StringComparison.Ordinal);

        // One job at a time, a fresh cache and another output root: the same bytes.
        var again = EngineProcess.Run(
            ["convert", "--models_dir", Zoo, "-o", _root.Combine("out-b"), "--cache_dir", _root.Combine("cache-b"), "--all",
                "--precisions", "FP32,FP16"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        FolderSnapshot.Of(_root.Combine("out-b")).AssertUnchangedSince(FolderSnapshot.Of(Output));
    }

    [Fact]
    public void A_json_dry_run_prints_one_event_per_job_and_writes_nothing()
    {
        var result = Run("convert", "--name", "tiny*", "--precisions", "FP16,FP32-INT8", "--dry_run", "--progress_format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.False(Directory.Exists(Output));
        Assert.False(Directory.Exists(Cache));
        var events = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => string.Join(' ', EventMembers.Select(p => e.GetProperty(p).GetString())))
            .ToList();
        Assert.Equal(
            [
                "model_conversion_begin tiny-net FP16", "model_conversion_end tiny-net FP16",
                "model_conversion_begin tiny-net FP32-INT8", "model_conversion_end tiny-net FP32-INT8",
            ],
            events);
        Assert.StartsWith(
            "{\"$type\": \"model_conversion_begin\", \"model\": \"tiny-net\", \"precision\": \"FP16\", \"output_dir\": ",
            result.StandardOutput,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Quantize_with_models_dir_writes_int8_models_in_their_precision_folders()
    {
        var result = Run("quantize", "--name", "tiny-net,small", "--precisions", "FP32-INT8");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertNoStackTrace();
        Assert.Contains(Read(Output, "public", "tiny-net", "FP32-INT8", "tiny-net.onnx").Graph.Node, n => n.OpType == "QuantizeLinear");
        Assert.Contains(Read(Output, "custom", "small", "FP32-INT8", "small.onnx").Graph.Node, n => n.OpType == "QuantizeLinear");
        Assert.False(Directory.Exists(Path.Combine(Output, "public", "tiny-net", "FP16-INT8")));
    }

    [Fact]
    public void A_model_that_fails_does_not_stop_the_others_and_is_listed_at_the_end()
    {
        File.WriteAllText(Path.Combine(Zoo, "custom", "broken.yaml"), "input_model: missing.onnx\n");

        var result = Run("convert", "--all", "--precisions", "FP32");

        Assert.Equal(1, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.Contains("MB2010", result.StandardError, StringComparison.Ordinal);
        Assert.EndsWith("FAILED:\nbroken (FP32)\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Output, "public", "tiny-net", "FP32", "tiny-net.onnx")));
        Assert.False(Directory.Exists(Path.Combine(Output, "custom", "broken")));
    }

    [Theory]
    [InlineData("convert", "MB2152", "--all", "--precisions", "FP64")]
    [InlineData("quantize", "MB2153", "--all", "--precisions", "FP16")]
    [InlineData("convert", "MB2155", "--all", "--precisions", "FP32-INT8", "--target", "rvc2")]
    [InlineData("convert", "MB2110", "--name", "nothing*")]
    [InlineData("convert", "MB2111", "--all", "--name", "tiny-net")]
    public void Mistakes_are_coded_errors_before_anything_is_written(string command, string code, params string[] arguments)
    {
        var result = Run(command, arguments);

        Assert.Equal(1, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.Contains($"error {code}:", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Output));
    }

    [Fact]
    public void A_manifest_and_models_dir_together_is_MB2154()
    {
        var result = EngineProcess.Run(["convert", Path.Combine(Zoo, "custom", "small.yaml"), "--models_dir", Zoo, "--all"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error MB2154:", result.StandardError, StringComparison.Ordinal);
    }
}
