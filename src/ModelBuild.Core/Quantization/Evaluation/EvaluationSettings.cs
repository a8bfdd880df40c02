using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;

namespace ModelBuild.Core.Quantization.Evaluation;

/// <summary>The metric the accuracy criterion judges.</summary>
public enum EvaluationMetric
{
    /// <summary>Top-1 accuracy against the labels.</summary>
    Top1,

    /// <summary>Top-5 accuracy against the labels.</summary>
    Top5,

    /// <summary>The share of samples whose arg-max class is FP32's (no labels needed; FP32 scores 1).</summary>
    Top1Agreement,

    /// <summary>The mean cosine similarity of the outputs to FP32's (no labels needed; FP32 scores 1).</summary>
    Cosine,
}

/// <summary>
/// Where the evaluation set comes from and how INT8 is judged on it (the manifest's <c>quantization.evaluation</c>,
/// <c>accuracy_criterion</c>, <c>max_trials</c>, <c>timeout</c>, <c>on_failure</c>, or the command line's flags).
/// </summary>
/// <param name="Path">The evaluation folder (absolute, or relative to the calibration's base folder, the manifest's); null for a seeded
/// split of the calibration data.</param>
/// <param name="LabelsFile">A labels file beside the folder's files (<c>file label</c> lines or CSV); null for class-per-folder or
/// <c>labels.npy</c>.</param>
/// <param name="MaxImages">At most this many samples, a seeded deterministic subset; −1 for all.</param>
/// <param name="SplitFraction">Without <see cref="Path"/>: the share of the calibration data held out for evaluation.</param>
/// <param name="Seed">Seeds the split and the subset.</param>
/// <param name="Criterion">The accuracy criterion.</param>
/// <param name="Metric">The metric judged; null picks top-1 with labels, else top-1 agreement.</param>
/// <param name="MaxTrials">How many fallback trials the tuning may run after the first quantization.</param>
/// <param name="Timeout">Tuning stops starting trials after this long; null for none.</param>
/// <param name="OnFailureIsError">True when a missed criterion fails the build; false keeps the closest model and warns.</param>
/// <param name="Labels">The class names in output order (the manifest's or model.yml's labels); empty for none.</param>
/// <param name="At">Where the criterion is set (for the coded error).</param>
/// <param name="PathAt">Where the evaluation path is set.</param>
public sealed record EvaluationSettings(
    string? Path,
    string? LabelsFile = null,
    int MaxImages = -1,
    double SplitFraction = 0.2,
    int Seed = 0,
    AccuracyCriterion? Criterion = null,
    EvaluationMetric? Metric = null,
    int MaxTrials = 20,
    TimeSpan? Timeout = null,
    bool OnFailureIsError = true,
    IReadOnlyList<string>? Labels = null,
    SourceLocation? At = null,
    SourceLocation? PathAt = null)
{
    /// <summary>The criterion judged (LPOT's default, relative 1 %, when none is set).</summary>
    public AccuracyCriterion EffectiveCriterion => Criterion ?? new AccuracyCriterion();

    /// <summary>The settings a manifest's <c>quantization</c> section asks for; null when it sets neither an evaluation set nor a
    /// criterion.</summary>
    public static EvaluationSettings? FromManifest(QuantizationSpec? spec)
    {
        if (spec is null || (spec.Evaluation is null && spec.Criterion is null))
        {
            return null;
        }

        var evaluation = spec.Evaluation;
        var criterion = spec.Criterion;
        return new EvaluationSettings(
            evaluation?.Path?.Value,
            evaluation?.Labels?.Value,
            evaluation?.MaxImages ?? -1,
            evaluation?.Split ?? 0.2,
            evaluation?.Seed ?? 0,
            criterion is null ? null : new AccuracyCriterion(criterion.Absolute is null, criterion.Absolute ?? criterion.Relative ?? 0.01,
                criterion.HigherIsBetter ?? true),
            MetricOf(spec.Metric),
            spec.MaxTrials ?? 20,
            spec.Timeout is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            (spec.OnFailure ?? spec.OverBudget) != "warning",
            [],
            criterion?.Location ?? evaluation?.Location ?? spec.Location,
            evaluation?.Path?.Location ?? evaluation?.Location);
    }

    /// <summary>The metric a manifest or command line names (<c>top1</c>, <c>top5</c>, <c>top1_agreement</c>, <c>cosine</c>), or
    /// null.</summary>
    public static EvaluationMetric? MetricOf(string? name) => name switch
    {
        "top1" => EvaluationMetric.Top1,
        "top5" => EvaluationMetric.Top5,
        "top1_agreement" => EvaluationMetric.Top1Agreement,
        "cosine" => EvaluationMetric.Cosine,
        _ => null,
    };

    /// <summary>The manifest's name of <paramref name="metric"/>.</summary>
    public static string NameOf(EvaluationMetric metric) => metric switch
    {
        EvaluationMetric.Top1 => "top1",
        EvaluationMetric.Top5 => "top5",
        EvaluationMetric.Top1Agreement => "top1_agreement",
        _ => "cosine",
    };

    /// <summary>Checks the settings.</summary>
    /// <exception cref="DiagnosticException">A setting is out of range (MB8187).</exception>
    public void Validate()
    {
        if (Criterion is { } criterion && !(criterion.Value >= 0 && double.IsFinite(criterion.Value)))
        {
            throw Invalid("accuracy_criterion", criterion.Value, "a drop of 0 or more");
        }

        if (MaxTrials < 0)
        {
            throw Invalid("max_trials", MaxTrials, "0 or more");
        }

        if (Path is null && !(SplitFraction > 0 && SplitFraction < 1))
        {
            throw Invalid("evaluation.split", SplitFraction, "a share above 0 and below 1");
        }

        if (Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw Invalid("timeout", timeout.TotalSeconds, "a number of seconds above 0");
        }
    }

    /// <summary>Every setting that changes the result, as canonical JSON for action keys and the report.</summary>
    public JsonObject ToJson() => new()
    {
        ["path"] = Path,
        ["labels_file"] = LabelsFile,
        ["max_images"] = MaxImages,
        ["split"] = Path is null ? SplitFraction : null,
        ["seed"] = Seed,
        ["criterion"] = EffectiveCriterion.ToString(),
        ["metric"] = Metric is { } metric ? NameOf(metric) : null,
        ["max_trials"] = MaxTrials,
        ["timeout_seconds"] = Timeout?.TotalSeconds,
        ["on_failure"] = OnFailureIsError ? "error" : "warning",
        ["labels"] = new JsonArray([.. (Labels ?? []).Select(l => (JsonNode)JsonValue.Create(l))]),
    };

    private DiagnosticException Invalid(string setting, object value, string valid) =>
        new(EvaluationDiagnostics.InvalidSetting.Create(At, setting, Convert.ToString(value,
            System.Globalization.CultureInfo.InvariantCulture) ?? "?", valid));
}
