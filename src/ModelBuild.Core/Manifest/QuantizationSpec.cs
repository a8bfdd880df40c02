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
/// <param name="Evaluation">The held-out evaluation set (<c>evaluation</c>); null for a seeded split of the calibration data.</param>
/// <param name="Criterion">LPOT's <c>accuracy_criterion</c>.</param>
/// <param name="Timeout">Seconds after which tuning starts no further trial (<c>timeout</c>).</param>
/// <param name="OnFailure"><c>error</c> (default) or <c>warning</c> when the criterion is missed.</param>
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
    SourceLocation Location,
    EvaluationSpec? Evaluation = null,
    AccuracyCriterionSpec? Criterion = null,
    double? Timeout = null,
    string? OnFailure = null)
{
    /// <summary>The valid <c>calibrator</c> names.</summary>
    public static IReadOnlyList<string> Calibrators => ManifestSchema.Calibrators;

    /// <summary>The valid <c>metric</c> names.</summary>
    public static IReadOnlyList<string> Metrics => ManifestSchema.QuantizationMetrics;

    /// <summary>The valid <c>activation_type</c> names.</summary>
    public static IReadOnlyList<string> ActivationTypes => ManifestSchema.QuantizedActivationTypes;

    /// <summary>True when the section asks for the agreement budget on calibration samples (and not for an evaluation set or
    /// criterion).</summary>
    public bool HasBudget => (MaxDrop is not null || Metric is not null || MaxTrials is not null) && !HasEvaluation;

    /// <summary>True when the section asks for accuracy judged on an evaluation set (<c>evaluation</c> or
    /// <c>accuracy_criterion</c>).</summary>
    public bool HasEvaluation => Evaluation is not null || Criterion is not null;
}

/// <summary>The <c>quantization.evaluation</c> mapping: the held-out set INT8 is judged on.</summary>
/// <param name="Path">The folder (relative to the manifest): <c>label/*.png</c> folders, files with a labels file, or <c>.npy</c> with
/// <c>labels.npy</c>.</param>
/// <param name="Labels">A labels file in the folder (<c>file label</c> lines, as ImageNet's <c>val.txt</c>, or CSV).</param>
/// <param name="MaxImages">At most this many samples, a seeded deterministic subset.</param>
/// <param name="Split">Without <paramref name="Path"/>: the share of calibration data held out (default 0.2).</param>
/// <param name="Seed">Seeds the split and the subset (default 0).</param>
/// <param name="Location">Where the mapping is.</param>
public sealed record EvaluationSpec(Located<string>? Path, Located<string>? Labels, int? MaxImages, double? Split, int? Seed,
    SourceLocation Location);

/// <summary>The <c>quantization.accuracy_criterion</c> mapping (LPOT's): <c>relative</c> or <c>absolute</c>, and
/// <c>higher_is_better</c>.</summary>
/// <param name="Relative">The drop allowed as a share of FP32's metric.</param>
/// <param name="Absolute">The drop allowed in the metric's units.</param>
/// <param name="HigherIsBetter">False when a lower metric is better.</param>
/// <param name="Location">Where its key is (the coded error about a missed criterion points here).</param>
public sealed record AccuracyCriterionSpec(double? Relative, double? Absolute, bool? HigherIsBetter, SourceLocation Location);

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
            section.Location,
            Evaluation(section.Find("evaluation")?.Value),
            Criterion(section.Find("accuracy_criterion")),
            Positive(section.Find("timeout")?.Value, "a number of seconds above 0"),
            values.Choice(section.Find("on_failure")?.Value, ManifestSchema.QuantizationOverBudget)?.Value);
    }

    private EvaluationSpec? Evaluation(ManifestNode? node)
    {
        var section = values.Mapping(node, "a mapping with path, labels, max_images, split, seed");
        if (section is null)
        {
            return null;
        }

        values.Open(section, ManifestSchema.Evaluation);
        var maxImages = values.Integer(section.Find("max_images")?.Value, "an integer of 1 or more, or -1 for all", v => v is -1 or >= 1);
        var seed = values.Integer(section.Find("seed")?.Value, "a non-negative integer", v => v is >= 0 and <= int.MaxValue);
        var split = values.Number(section.Find("split")?.Value, "a share above 0 and below 1");
        if (split is { } share && !(share > 0 && share < 1))
        {
            values.WrongType(section.Find("split")!.Value, "a share above 0 and below 1");
            split = null;
        }

        return new EvaluationSpec(
            values.Text(section.Find("path")?.Value, "a folder path"),
            values.Text(section.Find("labels")?.Value, "a labels file name"),
            (int?)maxImages,
            split,
            (int?)seed,
            section.Location);
    }

    private AccuracyCriterionSpec? Criterion(ManifestEntry? entry)
    {
        var section = values.Mapping(entry?.Value, "a mapping with relative or absolute, and higher_is_better");
        if (section is null)
        {
            return null;
        }

        values.Open(section, ManifestSchema.AccuracyCriterion);
        var relative = NonNegative(section.Find("relative")?.Value);
        var absolute = NonNegative(section.Find("absolute")?.Value);
        if (relative is not null && absolute is not null)
        {
            values.WrongType(section.Find("absolute")!.Value, "either relative or absolute, not both");
            absolute = null;
        }

        return new AccuracyCriterionSpec(
            relative,
            absolute,
            section.Find("higher_is_better") is { } higher ? values.Boolean(higher.Value, true) : null,
            entry!.Key.Location);
    }

    private double? Positive(ManifestNode? node, string expected)
    {
        var value = values.Number(node, expected);
        if (value is { } v && !(v > 0 && double.IsFinite(v)))
        {
            values.WrongType(node!, expected);
            return null;
        }

        return value;
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
