using ModelBuild.Core.Onnx;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Tensors;
using DataType = ModelBuild.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary><c>modelbuild quantize</c> run as a program: calibration from folders, random data or a manifest; the model, the report and the
/// errors.</summary>
public sealed class QuantizeCommandTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();
    private readonly string _model;

    public QuantizeCommandTests()
    {
        // TinyConvNet: x[N,3,8,8] → Conv → Relu → Conv → Relu → y, with a dynamic batch the commands fix.
        _model = _folder.Combine("tiny.onnx");
        File.WriteAllBytes(_model, TinyConvNet.Bytes());
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Quantizes_with_a_folder_of_npy_samples_and_writes_the_model_and_the_report()
    {
        WriteSamples("calibration", 8);

        var result = EngineProcess.Run(
            "quantize",
            _model,
            "--shape",
            "1,3,8,8",
            "--calibration",
            _folder.Combine("calibration"),
            "--report",
            _folder.Combine("report"),
            "-o",
            _folder.Combine("out", "tiny.int8.onnx"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(
            @"ModelBuild: tiny\.onnx: quantized \d+ nodes to INT8 QDQ \(uint8 activations, int8 weights per channel, MinMax on 8 samples;",
            result.StandardOutput);
        Assert.Contains("quantization-report.html", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(File.Exists(_folder.Combine("report", "quantization-report.json")));
        var quantized = OnnxModelFile.Read(_folder.Combine("out", "tiny.int8.onnx"));
        Assert.Contains(quantized.Graph.Node, n => n.OpType == "QuantizeLinear");
        using var session = new ModelSession(_folder.Combine("out", "tiny.int8.onnx"));
        var output = session.Run([new NamedTensor("x", Tensor.Create(TinyConvNet.SampleInput(1), [1, 3, 8, 8]))])[0].Value.ToArray<float>();
        var expected = TinyConvNet.Run(TinyConvNet.Bytes(), TinyConvNet.SampleInput(1), 1);
        Assert.True(Cosine(expected, output) > 0.99);
    }

    [Fact]
    public void A_manifest_supplies_the_shape_the_preprocessing_the_calibration_and_the_quantization_settings()
    {
        WriteSamples("samples", 4);
        var manifest = _folder.Combine("tiny.yaml");
        File.WriteAllText(manifest, """
            input_model: tiny.onnx
            inputs:
              - name: x
                shape: [1, 3, 8, 8]
                calibration:
                  path: samples
            quantization:
              per_channel: false
              calibrator: percentile
            """);

        var result = EngineProcess.Run("quantize", _model, "--manifest", manifest, "-o", _folder.Combine("tiny.int8.onnx"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("int8 weights per tensor, Percentile on 4 samples", result.StandardOutput, StringComparison.Ordinal);
        // The build does not apply calibration yet and warns so; this command does apply it.
        Assert.DoesNotContain("MB1008", result.StandardError, StringComparison.Ordinal);
        var quantized = OnnxModelFile.Read(_folder.Combine("tiny.int8.onnx"));
        Assert.Empty(quantized.Graph.Initializer.Single(i => i.Name == "w1_scale").Dims);
    }

    [Fact]
    public void Random_calibration_needs_only_a_shape_and_is_the_same_every_time()
    {
        var first = EngineProcess.Run(
            "quantize",
            _model,
            "--shape",
            "x=1,3,8,8",
            "--calibration",
            "random",
            "--max-images",
            "5",
            "-o",
            _folder.Combine("a.onnx"));
        var second = EngineProcess.Run(
            "quantize",
            _model,
            "--shape",
            "x=1,3,8,8",
            "--calibration",
            "random",
            "--max-images",
            "5",
            "-o",
            _folder.Combine("b.onnx"));

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("on 5 samples", first.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(_folder.Combine("a.onnx")), File.ReadAllBytes(_folder.Combine("b.onnx")));
    }

    [Fact]
    public void An_accuracy_budget_that_cannot_be_met_fails_writes_the_report_but_not_the_model()
    {
        WriteSamples("calibration", 4);

        var result = EngineProcess.Run(
            "quantize",
            _model,
            "--shape",
            "1,3,8,8",
            "--calibration",
            _folder.Combine("calibration"),
            "--metric",
            "cosine",
            "--max-drop",
            "0",
            "--max-trials",
            "0",
            "--report",
            _folder.Combine("report"),
            "-o",
            _folder.Combine("never.onnx"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error MB8153", result.StandardError, StringComparison.Ordinal);
        Assert.True(File.Exists(_folder.Combine("report", "quantization-report.html")));
        Assert.False(File.Exists(_folder.Combine("never.onnx")));
        result.AssertNoStackTrace();
    }

    [Theory]
    [InlineData("MB8170", "missing.onnx")]
    [InlineData("MB8173", "--calibrator", "kl")]
    [InlineData("MB8172", "--shape", "1,3,x,8")]
    [InlineData("MB8101", "--calibration", "no-such-folder", "--shape", "1,3,8,8")]
    [InlineData("MB8106", "--calibration", "random")]
    public void Mistakes_are_diagnostics_with_their_code_and_no_stack_trace(string code, params string[] arguments)
    {
        var model = arguments[0].EndsWith(".onnx", StringComparison.Ordinal) ? _folder.Combine(arguments[0]) : _model;
        var rest = arguments[0].EndsWith(".onnx", StringComparison.Ordinal) ? arguments[1..] : arguments;

        var result = EngineProcess.Run(["quantize", model, "-o", _folder.Combine("out.onnx"), .. rest]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error {code}:", result.StandardError, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    private void WriteSamples(string folder, int count)
    {
        Directory.CreateDirectory(_folder.Combine(folder));
        for (var i = 0; i < count; i++)
        {
            var values = TinyConvNet.SampleInput(1).Select(v => v * (1 + (0.1f * i))).ToArray();
            NpyFile.Write(_folder.Combine(folder, $"{i:D2}.npy"), Tensor.Create(values, [1, 3, 8, 8]));
        }
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(aa * bb);
    }
}
