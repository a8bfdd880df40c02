using ModelBuild.Core.Calibration;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Quantization;

namespace ModelBuild.Core.Tests.Quantization;

/// <summary>The manifest's <c>quantization</c> section: validated where it is written, turned into quantizer options.</summary>
public sealed class QuantizationOptionsTests
{
    private static ManifestLoadResult Load(string section) => ManifestLoader.LoadText("input_model: m.onnx\n" + section, "m.yaml");

    [Fact]
    public void Every_key_of_the_section_reaches_the_options()
    {
        var stage = Load("""
            quantization:
              max_drop: 0.02
              metric: cosine
              max_trials: 5
              over_budget: warning
              calibrator: entropy
              histogram_bins: 1024
              quantized_bins: 64
              activation_type: int8
              per_channel: false
              reduce_range: true
              nodes_to_exclude: [conv_7]
              op_types_to_exclude: [Add, Mul]
            """).Manifest!.SingleStage!;

        var options = QuantizationOptions.FromManifest(stage.Quantization);

        Assert.Equal(new AccuracyBudget(0.02, AccuracyMetric.Cosine, 5, OverBudgetIsError: false), options.Budget);
        Assert.Equal(CalibrationMethod.Entropy, options.Calibration.Method);
        Assert.Equal(1024, options.Calibration.HistogramBins);
        Assert.Equal(64, options.Calibration.QuantizedBins);
        Assert.Equal(QuantizedType.Int8, options.ActivationType);
        Assert.False(options.PerChannel);
        Assert.True(options.ReduceRange);
        Assert.Equal(["conv_7"], options.NodesToExclude);
        Assert.DoesNotContain("Add", options.EffectiveOpTypes);
        Assert.Contains("Conv", options.EffectiveOpTypes);
    }

    [Fact]
    public void Without_the_section_or_budget_keys_the_defaults_apply_and_no_budget()
    {
        var none = QuantizationOptions.FromManifest(Load(string.Empty).Manifest!.SingleStage!.Quantization);
        var noBudget = QuantizationOptions.FromManifest(
            Load("quantization:\n  calibrator: percentile\n").Manifest!.SingleStage!.Quantization);
        var metricOnly = QuantizationOptions.FromManifest(Load("quantization:\n  metric: sqnr\n").Manifest!.SingleStage!.Quantization);

        Assert.Null(none.Budget);
        Assert.True(none.PerChannel);
        Assert.True(none.ReduceRange);
        var eightBit = QuantizationOptions.FromManifest(Load("quantization:\n  reduce_range: false\n").Manifest!.SingleStage!.Quantization);
        Assert.False(eightBit.ReduceRange);
        Assert.Equal(QuantizedType.UInt8, none.ActivationType);
        Assert.Equal(CalibrationMethod.MinMax, none.Calibration.Method);
        Assert.Null(noBudget.Budget);
        Assert.Equal(CalibrationMethod.Percentile, noBudget.Calibration.Method);
        Assert.Equal(new AccuracyBudget(0.01, AccuracyMetric.Sqnr, 20), metricOnly.Budget);
    }

    [Theory]
    [InlineData("quantization:\n  metric: accuracy\n", "MB1007", 3, 11)]
    [InlineData("quantization:\n  max_drop: -1\n", "MB1005", 3, 13)]
    [InlineData("quantization:\n  percentile: 101\n", "MB1005", 3, 15)]
    [InlineData("quantization:\n  calibrater: entropy\n", "MB1004", 3, 3)]
    public void Mistakes_in_the_section_are_reported_on_their_line(string section, string code, int line, int column)
    {
        var result = Load(section);

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal(code, error.Code);
        Assert.Equal((line, column), (error.Location!.Line, error.Location.Column));
    }
}
