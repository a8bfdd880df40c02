using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Quantization.Evaluation;

/// <summary>
/// The command line's evaluation settings (<c>modelbuild quantize --evaluation --labels --relative-drop
/// --absolute-drop --max-trials --timeout --metric --on-failure</c>): each one set replaces the manifest's.
/// </summary>
/// <param name="Path">An evaluation folder (absolute after the command line resolved it).</param>
/// <param name="LabelsFile">A labels file in that folder.</param>
/// <param name="RelativeDrop">LPOT's <c>relative</c> criterion.</param>
/// <param name="AbsoluteDrop">LPOT's <c>absolute</c> criterion.</param>
/// <param name="MaxTrials">The most fallback trials.</param>
/// <param name="TimeoutSeconds">Seconds after which no further trial starts.</param>
/// <param name="Metric"><c>top1</c>, <c>top5</c>, <c>top1_agreement</c> or <c>cosine</c>.</param>
/// <param name="OnFailure"><c>error</c> or <c>warning</c>.</param>
public sealed record EvaluationOverrides(
    string? Path = null,
    string? LabelsFile = null,
    double? RelativeDrop = null,
    double? AbsoluteDrop = null,
    int? MaxTrials = null,
    double? TimeoutSeconds = null,
    string? Metric = null,
    string? OnFailure = null)
{
    private static readonly SourceLocation CommandLine = new(Diagnostic.ToolOrigin);

    /// <summary>True when a flag asks for evaluation (a folder or a criterion).</summary>
    public bool AsksForEvaluation => Path is not null || RelativeDrop is not null || AbsoluteDrop is not null;

    /// <summary>The manifest's settings with these applied; null when neither asks for evaluation.</summary>
    /// <exception cref="DiagnosticException">Both drops are given, or a value is out of range (MB8187).</exception>
    public EvaluationSettings? Apply(EvaluationSettings? manifest)
    {
        if (RelativeDrop is not null && AbsoluteDrop is not null)
        {
            throw Invalid("--relative-drop / --absolute-drop", "both", "give one of them");
        }

        if (manifest is null && !AsksForEvaluation)
        {
            return null;
        }

        var settings = manifest ?? new EvaluationSettings(null, At: CommandLine);
        var criterion = settings.EffectiveCriterion;
        if (RelativeDrop is { } relative)
        {
            criterion = criterion with { Relative = true, Value = relative };
        }

        if (AbsoluteDrop is { } absolute)
        {
            criterion = criterion with { Relative = false, Value = absolute };
        }

        var metric = settings.Metric;
        if (Metric is { } name)
        {
            metric = EvaluationSettings.MetricOf(name.ToLowerInvariant()) ?? throw Invalid("--metric", name,
                "top1, top5, top1_agreement or cosine");
        }

        if (OnFailure is { } onFailure && onFailure is not ("error" or "warning"))
        {
            throw Invalid("--on-failure", onFailure, "error or warning");
        }

        var result = settings with
        {
            Path = Path ?? settings.Path,
            PathAt = Path is null ? settings.PathAt : CommandLine,
            LabelsFile = LabelsFile ?? settings.LabelsFile,
            Criterion = criterion,
            Metric = metric,
            MaxTrials = MaxTrials ?? settings.MaxTrials,
            Timeout = TimeoutSeconds is { } seconds ? (seconds > 0 && double.IsFinite(seconds) ? TimeSpan.FromSeconds(seconds)
                : throw Invalid("--timeout", seconds, "seconds above 0")) : settings.Timeout,
            OnFailureIsError = OnFailure is null ? settings.OnFailureIsError : OnFailure == "error",
        };
        result.Validate();
        return result;
    }

    private static DiagnosticException Invalid(string option, object value, string valid) =>
        new(EvaluationDiagnostics.InvalidSetting.Create(CommandLine, option, Convert.ToString(value,
            System.Globalization.CultureInfo.InvariantCulture) ?? "?", valid));
}
