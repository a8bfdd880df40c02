using System.Globalization;

namespace ModelBuild.Core.Quantization.Evaluation;

/// <summary>
/// What <c>modelbuild quantize --dry-run</c> prints: the resolved settings, the calibration/evaluation split and the
/// plan, without calibrating, quantizing or writing anything.
/// </summary>
public static class QuantizationDryRun
{
    /// <summary>The lines to print.</summary>
    /// <param name="model">The model's file name.</param>
    /// <param name="options">The resolved options.</param>
    /// <param name="calibrationSamples">The calibration samples without a split.</param>
    /// <param name="split">The split, when evaluation is asked for.</param>
    public static IReadOnlyList<string> Describe(string model, QuantizationOptions options, int calibrationSamples, EvaluationSplit? split)
    {
        ArgumentNullException.ThrowIfNull(options);
        var weights = (options.PerChannel ? "per channel" : "per tensor") + (options.ReduceRange ? " (7-bit)" : string.Empty);
        var lines = new List<string>
        {
            $"ModelBuild: dry run of quantizing '{model}': nothing is calibrated, quantized or written.",
            $"  quantization: {(options.SymmetricActivations ? "int8 symmetric" : "uint8 asymmetric")} activations, "
                + $"int8 weights {weights}, calibrator {options.Calibration.Method}, "
                + "op types " + string.Join(" ", options.EffectiveOpTypes.Order(StringComparer.Ordinal)),
        };
        if (options.NodesToExclude.Count + options.OpTypesToExclude.Count > 0)
        {
            lines.Add("  excluded: nodes [" + string.Join(", ", options.NodesToExclude) + "], op types ["
                + string.Join(", ", options.OpTypesToExclude) + "]");
        }

        if (options.Evaluation is not { } settings || split is null)
        {
            lines.Add(I($"  calibration: {calibrationSamples} samples; evaluation: none (no evaluation set or accuracy criterion)"));
            lines.Add(options.Budget is { } budget
                ? I($"  plan: calibrate, quantize, measure {budget.Metric} against FP32 on the first calibration samples, ")
                    + I($"fall back up to {budget.MaxTrials} layers")
                    + I($" while the drop exceeds {budget.MaxDrop}")
                : "  plan: calibrate, quantize, measure against FP32 on the first calibration samples, write the model");
            return lines;
        }

        var set = split.Evaluation;
        var metric = settings.Metric ?? (set.IsLabelled ? EvaluationMetric.Top1 : EvaluationMetric.Top1Agreement);
        var held = settings.Path is null ? I($" (after holding out {set.Count})") : string.Empty;
        lines.Add(I($"  calibration: {split.Calibration.Count} samples{held}"));
        var share = settings.Path is null ? I($" (share {settings.SplitFraction}, seed {settings.Seed})") : string.Empty;
        var classes = set.Classes.Count > 0 ? "; classes " + string.Join(", ", set.Classes.Take(10)) + (set.Classes.Count > 10
            ? ", ..." : string.Empty) : string.Empty;
        lines.Add(I($"  evaluation: {set.Count} samples, {set.Form}, from '{set.Source}'{share}{classes}"));
        if (set.IsLabelled)
        {
            var counts = set.Samples.GroupBy(s => s.Label!.Value).OrderBy(g => g.Key).Select(g => I($"{set.ClassName(g.Key)} {g.Count()}"));
            lines.Add("  per class: " + string.Join(", ", counts.Take(10)) + (set.Classes.Count > 10 ? ", ..." : string.Empty));
        }

        var timeout = settings.Timeout is { } t ? I($"{t.TotalSeconds} s") : "none";
        var onFailure = settings.OnFailureIsError ? "error" : "warning";
        lines.Add(I($"  criterion: {EvaluationSettings.NameOf(metric)} {settings.EffectiveCriterion}; max_trials {settings.MaxTrials}; ")
            + I($"timeout {timeout}; on_failure {onFailure}"));
        lines.Add(I($"  plan: calibrate on {split.Calibration.Count} samples; quantize; ")
            + I($"measure FP32 and INT8 on the {set.Count} evaluation samples;"));
        lines.Add("        while the criterion is missed, fall back each op type (worst node's first), then nodes in SQNR order, "
            + I($"at most {settings.MaxTrials} trials;"));
        lines.Add(settings.OnFailureIsError
            ? "        then write the model, or fail with MB8180" : "        then write the model (MB8181 when the criterion is missed)");
        return lines;
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
