using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Quantization;
using ModelBuild.Tensors;
using DataType = ModelBuild.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace ModelBuild.Core.Tests.Calibration;

/// <summary>The three calibrators on real runs: MinMax against brute force, Entropy and Percentile against outliers.</summary>
public sealed class CalibratorTests
{
    /// <summary>y = Identity(x) for x of <paramref name="count"/> values: calibrating y sees exactly the data.</summary>
    private static ModelProto Identity(int count) =>
        new OnnxGraphBuilder("identity")
            .Input("x", DataType.Float, count)
            .Node("Identity", ["x"], ["y"])
            .Output("y", DataType.Float, count)
            .Build();

    private static TensorCalibrationData Samples(params float[][] samples) =>
        TensorCalibrationData.ForInput("x", samples.Select(s => Tensor.Create(s, [s.Length])));

    /// <summary>Normal values (Box–Muller over a seeded generator).</summary>
    private static float[] Gaussian(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count)
            .Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))];
    }

    [Fact]
    public void MinMax_gives_the_smallest_and_largest_value_of_every_tensor_over_all_samples()
    {
        var model = QuantizationTestModels.ConvNet();
        var data = QuantizationTestModels.Data(6, QuantizationTestModels.ImageShape);
        string[] tensors = ["x", "c1", "r1", "y"];

        var ranges = new MinMaxCalibrator().Calibrate(new CalibrationRunner(model, data), tensors);

        // Brute force: every tensor as an output, every value looked at.
        var exposed = model.Clone();
        exposed.Graph.Output.Add(new ValueInfoProto { Name = "c1" });
        exposed.Graph.Output.Add(new ValueInfoProto { Name = "r1" });
        using var session = new ModelSession(OnnxModelFile.Write(exposed));
        var values = tensors.ToDictionary(t => t, _ => new List<float>());
        foreach (var sample in data.Read())
        {
            values["x"].AddRange(sample.Inputs[0].Value.ToArray<float>());
            foreach (var output in session.Run(sample.Inputs, ["c1", "r1", "y"]))
            {
                values[output.Name].AddRange(output.Value.ToArray<float>());
            }
        }

        foreach (var tensor in tensors)
        {
            Assert.Equal(new TensorRange(values[tensor].Min(), values[tensor].Max()), ranges[tensor]);
        }
    }

    [Fact]
    public void MinMax_statistics_cover_tensors_of_unknown_size_and_scalars_in_one_statistics_output()
    {
        // x: float[n] (n differs per sample), s = ReduceSum(x) a scalar, r = Relu(x) of unknown size.
        var model = new OnnxGraphBuilder("dynamic")
            .Input("x", DataType.Float, "n")
            .Node("ReduceSum", ["x"], ["s"], OnnxAttributes.Int("keepdims", 0))
            .Node("Relu", ["x"], ["r"])
            .Output("s", DataType.Float)
            .Output("r", DataType.Float, "n")
            .Build();
        var data = Samples([-3f, 1f, 2f], [4f, -0.5f, 0.25f, 8f, -1f]);

        var statistics = new CalibrationRunner(model, data).CollectMinMax(["x", "s", "r"]);

        Assert.Equal(new TensorStatistics(-3f, 8f, 5), statistics["x"]);
        Assert.Equal(new TensorStatistics(0f, 10.75f, 1), statistics["s"]);
        Assert.Equal(new TensorStatistics(0f, 8f, 5), statistics["r"]);
    }

    [Fact]
    public void Entropy_clips_a_far_outlier_that_MinMax_keeps()
    {
        var spiked = Gaussian(20_000, seed: 1);
        spiked[17] = 100f;
        var data = Samples(Gaussian(20_000, seed: 2), spiked, Gaussian(20_000, seed: 3));
        var runner = new CalibrationRunner(Identity(20_000), data);

        var minMax = new MinMaxCalibrator().Calibrate(runner, ["y"])["y"];
        var entropy = new EntropyCalibrator().Calibrate(runner, ["y"])["y"];

        Assert.Equal(100f, minMax.Max);
        Assert.InRange(entropy.Max, 2f, 20f);
        Assert.InRange(entropy.Min, -20f, -2f);
    }

    [Fact]
    public void Percentile_keeps_the_share_asked_for()
    {
        var uniform = Enumerable.Range(0, 100_000).Select(i => i / 100_000f).ToArray();
        uniform[5] = 50f;
        var runner = new CalibrationRunner(Identity(uniform.Length), Samples(uniform));

        var asymmetric = new PercentileCalibrator(bins: 2048, percentile: 99.0).Calibrate(runner, ["y"])["y"];
        var symmetric = new PercentileCalibrator(bins: 2048, percentile: 99.0, symmetric: true).Calibrate(runner, ["y"])["y"];

        // Bins are 2 × 50 / 2048 wide: the cut lands on the edge of the bin where 99.5 % (or 99 % of |x|) is reached.
        Assert.InRange(asymmetric.Max, 0.9f, 1.1f);
        Assert.Equal(0f, asymmetric.Min);
        Assert.InRange(symmetric.Max, 0.9f, 1.1f);
        Assert.Equal(0f, symmetric.Min);
    }

    [Fact]
    public void An_all_zero_tensor_gets_the_range_0_0_from_every_calibrator()
    {
        var runner = new CalibrationRunner(Identity(4), Samples(new float[4], new float[4]));

        foreach (var calibrator in new ICalibrator[] { new MinMaxCalibrator(), new EntropyCalibrator(), new PercentileCalibrator() })
        {
            Assert.Equal(new TensorRange(0, 0), calibrator.Calibrate(runner, ["y"])["y"]);
        }
    }

    [Fact]
    public void A_histogram_counts_each_value_in_its_bin_and_outliers_in_the_end_bins()
    {
        var histogram = new Histogram(-2, 2, 4);

        histogram.Add([-2f, -1.5f, -0.1f, 0f, 0.9f, 1f, 2f, 7f, -9f, float.NaN]);

        Assert.Equal([3L, 1, 2, 3], histogram.Counts);
        Assert.Equal(-1.0, histogram.Edge(1));
        Assert.Equal(2.0, histogram.Edge(4));
    }

    [Fact]
    public void Value_passes_split_tensors_into_groups_that_fit_the_memory_budget()
    {
        var runner = new CalibrationRunner(Identity(4), Samples(new float[4]), memoryBudgetBytes: 100);
        var sizes = new Dictionary<string, long> { ["a"] = 10, ["b"] = 10, ["c"] = 20, ["d"] = 5 };

        var groups = runner.Groups(["a", "b", "c", "d"], sizes);

        // 40 + 40 bytes fit; 80 more do not; a tensor larger than the budget would travel alone.
        Assert.Equal([["a", "b"], ["c", "d"]], groups);
    }

    [Fact]
    public void A_sample_the_model_cannot_take_is_MB8113_naming_the_sample()
    {
        var runner = new CalibrationRunner(Identity(4), Samples(new float[3]));

        var error = Assert.Throws<DiagnosticException>(() => new MinMaxCalibrator().Calibrate(runner, ["y"]));

        Assert.Equal("MB8113", error.Diagnostic.Code);
        Assert.Contains("'0'", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CalibrationMethod.Entropy, 1024, 2048, 99.999)]
    [InlineData(CalibrationMethod.Percentile, 1, 128, 99.999)]
    [InlineData(CalibrationMethod.Percentile, 2048, 128, 120)]
    public void Out_of_range_calibrator_settings_are_MB8117(CalibrationMethod method, int bins, int quantizedBins, double percentile)
    {
        var options = new CalibratorOptions
        {
            Method = method,
            HistogramBins = bins,
            QuantizedBins = quantizedBins,
            Percentile = percentile
        };

        Assert.Equal("MB8117", Assert.Throws<DiagnosticException>(options.CreateCalibrator).Diagnostic.Code);
    }

    [Fact]
    public void Onnx_Runtime_types_every_intermediate_value_even_without_value_info()
    {
        var model = new OnnxGraphBuilder("shapes")
            .Input("x", DataType.Float, "N", 3)
            .Initializer("zero", [0L], 1)
            .Node("Shape", ["x"], ["shape"])
            .Node("Gather", ["shape", "zero"], ["batch"])
            .Node("Relu", ["x"], ["y"])
            .Output("y", DataType.Float, "N", 3)
            .Build();

        var types = GraphValueTypes.Infer(model);

        Assert.Equal(TensorElementType.Int64, types.Find("shape")!.ElementType);
        Assert.Equal(TensorElementType.Int64, types.Find("batch")!.ElementType);
        Assert.True(types.IsFloat("y"));
        Assert.False(types.IsFloat("shape"));
        Assert.Equal(TensorElementType.Int64, types.Find("zero")!.ElementType);
    }
}
