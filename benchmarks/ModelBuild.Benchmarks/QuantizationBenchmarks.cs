using BenchmarkDotNet.Attributes;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Benchmarks;

/// <summary>
/// INT8 on PaddleOCR's text-orientation classifier (input fixed to [1,3,48,192]): MinMax calibration against
/// plain inference over the same 32 inputs (goal: calibration at least 0.8× inference's throughput), and the
/// latency of one run of the FP32 and the INT8 (QDQ) model.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class QuantizationBenchmarks
{
    private const int Samples = 32;
    private ModelProto _model = null!;
    private TensorCalibrationData _data = null!;
    private List<string> _activations = null!;
    private ModelSession _fp32 = null!;
    private ModelSession _int8 = null!;
    private NamedTensor[] _one = null!;

    /// <summary>The classifier with its input shape fixed, as the pipeline's shape pass leaves it.</summary>
    public static ModelProto Classifier()
    {
        var diagnostics = new DiagnosticBag();
        return new InputShapePass([new InputShapeOverride("x", [1, 3, 48, 192])]).Apply(
            OnnxModelFile.Read(PaddleClassifierModel.Path()),
            diagnostics)
            ?? throw new InvalidOperationException(string.Join("; ", diagnostics.Items));
    }

    [GlobalSetup]
    public void Setup()
    {
        _model = Classifier();
        var random = new Random(1234);
        _data = TensorCalibrationData.ForInput("x", Enumerable.Range(0, Samples).Select(_ =>
            Tensor.Create(
                Enumerable.Range(0, 3 * 48 * 192).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray(),
                [1, 3, 48, 192])));
        var types = GraphValueTypes.Infer(_model);
        _activations = [.. _model.Graph.Node.SelectMany(n => n.Output).Where(types.IsFloat)];
        _fp32 = new ModelSession(OnnxModelFile.Write(_model));
        _int8 = new ModelSession(OnnxModelFile.Write(new Quantizer(new QuantizationOptions()).Quantize(_model, _data).Model));
        _one = [.. _data.Read().First().Inputs];
    }

    [Benchmark(Baseline = true, Description = "inference over 32 inputs")]
    public int Inference()
    {
        var count = 0;
        foreach (var sample in _data.Read())
        {
            count += _fp32.Run(sample.Inputs).Count;
        }

        return count;
    }

    [Benchmark(Description = "MinMax calibration over 32 inputs")]
    public int MinMaxCalibration() => new MinMaxCalibrator().Calibrate(new CalibrationRunner(_model, _data), _activations).Count;

    [Benchmark(Description = "FP32 run")]
    public float Fp32Run() => _fp32.Run(_one)[0].Value.AsSpan<float>()[0];

    [Benchmark(Description = "INT8 run")]
    public float Int8Run() => _int8.Run(_one)[0].Value.AsSpan<float>()[0];

    [GlobalCleanup]
    public void Cleanup()
    {
        _fp32.Dispose();
        _int8.Dispose();
    }
}
