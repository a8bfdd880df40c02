using ModelBuild.Core.Quantization;
using ModelBuild.Core.Quantization.Evaluation;
using ModelBuild.Core.Tests.Manifest;

namespace ModelBuild.Core.Tests.Quantization.Evaluation;

/// <summary>LPOT's criterion, Wilson intervals, and the manifest's evaluation settings.</summary>
public sealed class AccuracyCriterionTests
{
    [Theory]
    [InlineData(true, 0.01, true, 0.90, 0.892, true)]
    [InlineData(true, 0.01, true, 0.90, 0.890, false)]
    [InlineData(false, 0.02, true, 0.90, 0.880, true)]
    [InlineData(false, 0.02, true, 0.90, 0.879, false)]
    [InlineData(false, 0.5, false, 2.0, 2.4, true)]
    [InlineData(false, 0.5, false, 2.0, 2.6, false)]
    public void Relative_and_absolute_drops_follow_higher_is_better(bool relative, double value, bool higher, double fp32,
        double quantized, bool met) =>
        Assert.Equal(met, new AccuracyCriterion(relative, value, higher).IsMet(fp32, quantized));

    [Theory]
    [InlineData(0, 10, 0.0, 0.2775)]
    [InlineData(95, 100, 0.8882, 0.9785)]
    [InlineData(100, 100, 0.9630, 1.0)]
    public void Wilson_interval_matches_published_values(int successes, int trials, double lower, double upper)
    {
        var interval = ConfidenceInterval.Wilson(successes, trials);
        Assert.Equal(lower, interval.Lower, 4);
        Assert.Equal(upper, interval.Upper, 4);
    }

    [Fact]
    public void The_manifest_sets_evaluation_criterion_trials_timeout_and_on_failure()
    {
        var manifest = ManifestTesting.LoadValid("""
            input_model: m.onnx
            quantization:
              metric: top5
              evaluation:
                path: ../eval
                labels: val.txt
                max_images: 500
                seed: 3
              accuracy_criterion:
                absolute: 0.02
                higher_is_better: true
              max_trials: 7
              timeout: 300
              on_failure: warning
            """);
        var settings = QuantizationOptions.FromManifest(manifest.SingleStage!.Quantization).Evaluation!;
        Assert.Equal(
            new EvaluationSettings("../eval", "val.txt", 500, 0.2, 3, new AccuracyCriterion(false, 0.02, true), EvaluationMetric.Top5, 7,
                TimeSpan.FromSeconds(300), false),
            settings with { Labels = null, At = null, PathAt = null });
        Assert.Equal(new ModelBuild.Core.Diagnostics.SourceLocation(ManifestTesting.YamlPath, 9, 3), settings.At);
        Assert.Null(QuantizationOptions.FromManifest(manifest.SingleStage!.Quantization).Budget);
    }

    [Fact]
    public void Without_evaluation_settings_the_agreement_budget_stays()
    {
        var manifest = ManifestTesting.LoadValid("input_model: m.onnx\nquantization:\n  max_drop: 0.05\n");
        var options = QuantizationOptions.FromManifest(manifest.SingleStage!.Quantization);
        Assert.Null(options.Evaluation);
        Assert.NotNull(options.Budget);
    }

    [Theory]
    [InlineData("accuracy_criterion:\n    relative: 0.01\n    absolute: 0.01", "MB1")]
    [InlineData("accuracy_criterion:\n    relativ: 0.01", "MB1")]
    [InlineData("evaluation:\n    split: 1.5", "MB1")]
    [InlineData("timeout: -3", "MB1")]
    public void Invalid_settings_are_coded_manifest_errors(string yaml, string codePrefix)
    {
        var result = ManifestTesting.Load("input_model: m.onnx\nquantization:\n  " + yaml + "\n");
        Assert.Contains(result.Diagnostics, d => d.IsError && d.Code.StartsWith(codePrefix, StringComparison.Ordinal));
    }
}
