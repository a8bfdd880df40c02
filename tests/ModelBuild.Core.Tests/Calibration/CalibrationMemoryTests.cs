using System.Diagnostics;
using System.Globalization;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;
using Xunit.Abstractions;
using DataType = ModelBuild.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace ModelBuild.Core.Tests.Calibration;

/// <summary>
/// Calibration memory is bounded by tensors × statistics, not by samples × activations: a generated model
/// whose activations total over 1 GB per sample is calibrated on hundreds of samples while the process's
/// resident memory, sampled throughout, grows by a small fraction of one sample's activations.
/// </summary>
[Trait("Category", "Integration")]
[Collection(MemoryMeasurement.Name)]
public sealed class CalibrationMemoryTests(ITestOutputHelper output)
{
    private const int Layers = 70;
    private static readonly long[] Shape = [1, 16, 512, 512];
    private static readonly long ElementsPerTensor = Shape.Aggregate(1L, (a, b) => a * b);
    private const long BoundBytes = 512L * 1024 * 1024;

    /// <summary>x → 70 alternating Mul/Add by scalars, each writing a new 16 MiB tensor: 1.1 GiB of activations per run.</summary>
    private static (ModelProto Model, List<string> Tensors) ChainModel()
    {
        var builder = new OnnxGraphBuilder("chain")
            .Input("x", DataType.Float, Shape.Select(d => (OnnxDimension)d).ToArray())
            .Initializer("k", [0.999f], 1);
        var tensors = new List<string> { "x" };
        for (var i = 0; i < Layers; i++)
        {
            var name = "t" + i.ToString(CultureInfo.InvariantCulture);
            builder.Node(i % 2 == 0 ? "Mul" : "Add", [tensors[^1], "k"], [name]);
            tensors.Add(name);
        }

        var model = builder.Output(tensors[^1], DataType.Float, Shape.Select(d => (OnnxDimension)d).ToArray()).Build();
        Assert.True(ElementsPerTensor * sizeof(float) * Layers > 1L << 30, "The model's activations must total over 1 GiB.");
        return (model, tensors);
    }

    [Fact]
    public void MinMax_over_200_samples_of_a_model_with_over_1_GB_of_activations_stays_within_the_bound()
    {
        var (model, tensors) = ChainModel();
        var data = new GeneratedData(200);

        var (ranges, growth) = Measure(() => new MinMaxCalibrator().Calibrate(new CalibrationRunner(model, data), tensors));

        output.WriteLine(Report("MinMax", 200, growth));
        Assert.True(growth < BoundBytes, $"Resident memory grew by {growth / (1 << 20)} MiB.");
        Assert.Equal(GeneratedData.Low, ranges["x"].Min);
        Assert.Equal(GeneratedData.High, ranges["x"].Max, 5);
        Assert.Equal(Layers + 1, ranges.Count);
    }

    [Fact]
    public void Entropy_histograms_of_a_model_with_over_1_GB_of_activations_stay_within_the_bound()
    {
        var (model, tensors) = ChainModel();
        var data = new GeneratedData(4);

        var (ranges, growth) = Measure(
            () => new EntropyCalibrator().Calibrate(new CalibrationRunner(model, data, memoryBudgetBytes: 32L << 20), tensors));

        output.WriteLine(Report("Entropy", 4, growth));
        Assert.True(growth < BoundBytes, $"Resident memory grew by {growth / (1 << 20)} MiB.");
        Assert.Equal(Layers + 1, ranges.Count);
        Assert.All(ranges.Values, r => Assert.True(r.Max > r.Min, $"range [{r.Min}, {r.Max}]"));
    }

    private static string Report(string calibrator, int samples, long growth) => string.Create(CultureInfo.InvariantCulture,
        $"{calibrator}: {samples} samples × {ElementsPerTensor * sizeof(float) * Layers / (1 << 20)} MiB of activations; resident memory " +
            $"grew at most {growth / (1 << 20)} MiB (bound {BoundBytes / (1 << 20)} MiB).");

    /// <summary>Runs <paramref name="work"/> while sampling resident memory; returns its result and the largest growth over the
    /// start.</summary>
    private static (T Result, long Growth) Measure<T>(Func<T> work)
    {
        _ = GeneratedData.Ramps.Value;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;
        var peak = baseline;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            do
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
            }
            while (!done.Wait(10));
        });
        sampler.Start();
        T result;
        try
        {
            result = work();
        }
        finally
        {
            done.Set();
            sampler.Join();
        }

        return (result, peak - baseline);
    }

    /// <summary>
    /// Samples on demand: two ramps from <see cref="Low"/> to <see cref="High"/> (one reversed) taking turns, made
    /// once, so that the test's own data adds no allocations while memory is measured.
    /// </summary>
    private sealed class GeneratedData(int count) : ICalibrationDataSource
    {
        public const float Low = -1f;
        public const float High = 1f;

        public static readonly Lazy<Tensor[]> Ramps = new(() =>
        {
            var up = new float[ElementsPerTensor];
            for (var j = 0; j < up.Length; j++)
            {
                up[j] = Low + ((High - Low) * (j / (float)(up.Length - 1)));
            }

            return [Tensor.Create(up, Shape), Tensor.Create(up.Reverse().ToArray(), Shape)];
        });

        public int Count => count;

        public IEnumerable<CalibrationSample> Read(CancellationToken cancellationToken = default)
        {
            for (var i = 0; i < count; i++)
            {
                yield return new CalibrationSample(i.ToString(CultureInfo.InvariantCulture), [new NamedTensor("x", Ramps.Value[i % 2])]);
            }
        }
    }
}
