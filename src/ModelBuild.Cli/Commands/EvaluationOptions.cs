using System.CommandLine;
using ModelBuild.Core.Quantization.Evaluation;

namespace ModelBuild.Cli.Commands;

/// <summary><c>modelbuild quantize</c>'s flags for the evaluation set, LPOT's criterion and the dry run.</summary>
internal sealed class EvaluationOptions
{
    private readonly Option<DirectoryInfo?> _evaluation = new("--evaluation")
    {
        Description = "A held-out evaluation folder: label/*.png class folders, files with --labels, or .npy files with labels.npy.",
    };

    private readonly Option<string?> _labels = new("--labels")
    {
        Description = "A labels file in the evaluation folder ('file label' lines as val.txt, or CSV).",
    };

    private readonly Option<double?> _relative = new("--relative-drop")
    {
        Description = "Accuracy criterion: INT8 may lose this share of FP32's metric (0.01 = 1 %).",
    };

    private readonly Option<double?> _absolute = new("--absolute-drop")
    {
        Description = "Accuracy criterion: INT8 may lose this much of the metric (0.01 = 1 point).",
    };

    private readonly Option<double?> _timeout = new("--timeout")
    {
        Description = "Seconds after which tuning starts no further trial.",
    };

    private readonly Option<string?> _onFailure = new("--on-failure")
    {
        Description = "error (default) or warning when the criterion is missed.",
    };

    /// <summary><c>--dry-run</c>.</summary>
    public Option<bool> DryRun { get; } = new("--dry-run")
    {
        Description = "Print the resolved settings, the calibration/evaluation split and the plan; run nothing.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_evaluation);
        command.Options.Add(_labels);
        command.Options.Add(_relative);
        command.Options.Add(_absolute);
        command.Options.Add(_timeout);
        command.Options.Add(_onFailure);
        command.Options.Add(DryRun);
    }

    /// <summary>The flags as given; <paramref name="maxTrials"/> and <paramref name="metric"/> are shared with the agreement
    /// budget.</summary>
    public EvaluationOverrides Read(ParseResult parse, int? maxTrials, string? metric) => new(
        parse.GetValue(_evaluation)?.FullName,
        parse.GetValue(_labels),
        parse.GetValue(_relative),
        parse.GetValue(_absolute),
        maxTrials,
        parse.GetValue(_timeout),
        metric is not null && EvaluationSettings.MetricOf(metric.ToLowerInvariant()) is not null ? metric : null,
        parse.GetValue(_onFailure));
}
