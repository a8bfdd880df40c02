using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// ModelBuild's <c>quantization</c> section: how INT8 precisions quantize the model, and the accuracy budget.
/// Values are as written and validated against <see cref="ManifestSchema"/>'s choices; null means the default.
/// The budget applies when any of <see cref="MaxDrop"/>, <see cref="Metric"/> or <see cref="MaxTrials"/> is set.
/// </summary>
/// <param name="MaxDrop">The accuracy drop allowed (default 0.01).</param>
/// <param name="Metric"><c>top1_agreement</c> (default), <c>cosine</c> or <c>sqnr</c>.</param>
/// <param name="MaxTrials">How many layers may fall back to float (default 20).</param>
/// <param name="OverBudget"><c>error</c> (default) or <c>warning</c> when the budget cannot be met.</param>
/// <param name="Calibrator"><c>minmax</c> (default), <c>entropy</c> or <c>percentile</c>.</param>
/// <param name="Percentile">The percentile the percentile calibrator keeps (default 99.999).</param>
/// <param name="HistogramBins">Histogram bins of the entropy and percentile calibrators (default 2048).</param>
/// <param name="QuantizedBins">The entropy calibrator's quantized bins (default 128).</param>
/// <param name="ActivationType"><c>uint8</c> (default, asymmetric) or <c>int8</c> (symmetric).</param>
/// <param name="PerChannel">Per-channel weight scales (default true).</param>
/// <param name="ReduceRange">7-bit weights (default false).</param>
/// <param name="NodesToExclude">Nodes that stay float.</param>
/// <param name="OpTypesToExclude">Op types that stay float.</param>
/// <param name="Location">Where the section is.</param>
public sealed record QuantizationSpec(
    double? MaxDrop,
    string? Metric,
    int? MaxTrials,
    string? OverBudget,
    string? Calibrator,
    double? Percentile,
    int? HistogramBins,
    int? QuantizedBins,
    string? ActivationType,
    bool? PerChannel,
    bool? ReduceRange,
    IReadOnlyList<string> NodesToExclude,
    IReadOnlyList<string> OpTypesToExclude,
    SourceLocation Location)
{
    /// <summary>The valid <c>calibrator</c> names.</summary>
    public static IReadOnlyList<string> Calibrators => ManifestSchema.Calibrators;

    /// <summary>The valid <c>metric</c> names.</summary>
    public static IReadOnlyList<string> Metrics => ManifestSchema.QuantizationMetrics;

    /// <summary>The valid <c>activation_type</c> names.</summary>
    public static IReadOnlyList<string> ActivationTypes => ManifestSchema.QuantizedActivationTypes;

    /// <summary>True when the section asks for an accuracy budget.</summary>
    public bool HasBudget => MaxDrop is not null || Metric is not null || MaxTrials is not null;
}

/// <summary>Reads the <c>quantization</c> section of a stage.</summary>
internal sealed class QuantizationSectionReader(ManifestValueReader values)
{
    public QuantizationSpec? Read(ManifestMapping stage)
    {
        var section = values.Mapping(stage.Find("quantization")?.Value, "a mapping of quantization settings");
        if (section is null)
        {
            return null;
        }

        values.Open(section, ManifestSchema.Quantization);
        var maxTrials = values.Integer(section.Find("max_trials")?.Value, "a non-negative integer", v => v is >= 0 and <= 10_000);
        var bins = values.Integer(section.Find("histogram_bins")?.Value, "an integer from 2 to 1048576", v => v is >= 2 and <= 1 << 20);
        var quantizedBins = values.Integer(section.Find("quantized_bins")?.Value, "an integer of 2 or more", v => v is >= 2 and <= 1 << 20);
        return new QuantizationSpec(
            NonNegative(section.Find("max_drop")?.Value),
            values.Choice(section.Find("metric")?.Value, ManifestSchema.QuantizationMetrics)?.Value,
            (int?)maxTrials,
            values.Choice(section.Find("over_budget")?.Value, ManifestSchema.QuantizationOverBudget)?.Value,
            values.Choice(section.Find("calibrator")?.Value, ManifestSchema.Calibrators)?.Value,
            Percentile(section.Find("percentile")?.Value),
            (int?)bins,
            (int?)quantizedBins,
            values.Choice(section.Find("activation_type")?.Value, ManifestSchema.QuantizedActivationTypes)?.Value,
            section.Find("per_channel") is { } perChannel ? values.Boolean(perChannel.Value, true) : null,
            section.Find("reduce_range") is { } reduceRange ? values.Boolean(reduceRange.Value, false) : null,
            values.TextList(section.Find("nodes_to_exclude")?.Value) ?? [],
            values.TextList(section.Find("op_types_to_exclude")?.Value) ?? [],
            section.Location);
    }

    private double? NonNegative(ManifestNode? node)
    {
        var value = values.Number(node, "a number of 0 or more");
        if (value is < 0 || (value is { } v && !double.IsFinite(v)))
        {
            values.WrongType(node!, "a number of 0 or more");
            return null;
        }

        return value;
    }

    private double? Percentile(ManifestNode? node)
    {
        var value = values.Number(node, "a percentile above 0 and at most 100");
        if (value is not null && !(value > 0 && value <= 100))
        {
            values.WrongType(node!, "a percentile above 0 and at most 100");
            return null;
        }

        return value;
    }
}
