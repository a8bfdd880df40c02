using System.Globalization;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Quantization.Evaluation;

/// <summary>A quantized model the tuning may choose, and the nodes it was built without.</summary>
/// <param name="Build">Builds the QDQ model with the given nodes left float.</param>
/// <param name="First">The first quantization (only the user's exclusions).</param>
/// <param name="Ranking">The quantized nodes, worst SQNR first, with their SQNR in dB.</param>
/// <param name="OpTypes">Each node's op type.</param>
/// <param name="UserExcluded">The nodes the user excluded.</param>
internal sealed record TuningSpace(
    Func<IReadOnlySet<string>, QdqModel> Build,
    QdqModel First,
    IReadOnlyList<(string Node, double Sqnr)> Ranking,
    IReadOnlyDictionary<string, string> OpTypes,
    IReadOnlySet<string> UserExcluded);

/// <summary>The tuning's result: the model kept, its report, and the diagnostics (MB8180, MB8181, MB8183).</summary>
internal sealed record TuningResult(QdqModel Model, EvaluationReport Report, IReadOnlyList<Diagnostic> Diagnostics);

/// <summary>
/// LPOT's accuracy-aware tuning on a held-out set: measure FP32 and the first INT8 model; while the criterion is
/// missed, fall back whole op types one at a time (the op type holding the worst node first), then nodes one more at a
/// time in SQNR order, until a trial meets it, <c>max_trials</c> are spent, or <c>timeout</c> has passed. The first
/// trial that meets the criterion is kept, so a timeout never changes a model that is produced: it can only end the
/// search earlier with the coded error (or, with <c>on_failure: warning</c>, the closest trial so far).
/// </summary>
internal sealed class AccuracyTuner(EvaluationSettings settings, EvaluationSet set, TimeProvider clock)
{
    public TuningResult Tune(ModelProto floatModel, TuningSpace space, int calibrationSamples, CancellationToken cancellationToken)
    {
        var metric = Metric();
        var criterion = settings.EffectiveCriterion;
        var start = clock.GetTimestamp();
        var reference = ModelOutputs.Run(floatModel, set, cancellationToken);
        CheckLabels(reference);
        var trials = new List<(TuningTrial Trial, QdqModel Model, EvaluationComparison Comparison, IReadOnlyList<FallbackNode> Fallen)>();

        (TuningTrial, EvaluationComparison) Measure(int index, string phase, string? fallBack, QdqModel model, int floatNodes)
        {
            var comparison = EvaluationComparison.Of(set, reference, ModelOutputs.Run(model.Model, set, cancellationToken));
            var pair = comparison.Find(metric)!;
            var met = criterion.IsMet(pair.Fp32.Value, pair.Quantized.Value);
            return (new TuningTrial(index, phase, fallBack, floatNodes, pair.Quantized.Value, criterion.Drop(pair.Fp32.Value,
                pair.Quantized.Value), met), comparison);
        }

        var (first, firstComparison) = Measure(0, "baseline", null, space.First, 0);
        trials.Add((first, space.First, firstComparison, []));
        var endedBy = first.Met ? "criterion met" : "no more nodes";
        foreach (var candidate in Candidates(space))
        {
            if (trials[^1].Trial.Met)
            {
                break;
            }

            if (trials.Count > settings.MaxTrials)
            {
                endedBy = "max_trials";
                break;
            }

            if (settings.Timeout is { } timeout && clock.GetElapsedTime(start) >= timeout)
            {
                endedBy = "timeout";
                break;
            }

            var excluded = new HashSet<string>(space.UserExcluded, StringComparer.Ordinal);
            excluded.UnionWith(candidate.Nodes.Select(n => n.Node));
            var model = space.Build(excluded);
            var (trial, comparison) = Measure(trials.Count, candidate.Phase, candidate.FallBack, model, candidate.Nodes.Count);
            trials.Add((trial, model, comparison, candidate.Nodes));
            endedBy = trial.Met ? "criterion met" : endedBy;
        }

        var chosen = trials.FirstOrDefault(t => t.Trial.Met);
        if (chosen.Model is null)
        {
            chosen = trials.OrderBy(t => t.Trial.Drop).ThenBy(t => t.Trial.Index).First();
        }

        var judged = chosen.Comparison.Find(metric)!;
        var report = new EvaluationReport(
            set.Form,
            set.Source,
            calibrationSamples,
            set.Count,
            EvaluationSettings.NameOf(metric),
            criterion.ToString(),
            criterion.Allowed(judged.Fp32.Value),
            chosen.Trial.Met,
            endedBy,
            chosen.Comparison,
            [.. trials.Select(t => t.Trial)],
            chosen.Trial.Index,
            chosen.Fallen);
        return new TuningResult(chosen.Model, report, Diagnostics(report, judged, trials.Count - 1));
    }

    private EvaluationMetric Metric()
    {
        var metric = settings.Metric ?? (set.IsLabelled ? EvaluationMetric.Top1 : EvaluationMetric.Top1Agreement);
        if (metric is EvaluationMetric.Top1 or EvaluationMetric.Top5 && !set.IsLabelled)
        {
            throw new DiagnosticException(EvaluationDiagnostics.MetricNotMeasurable.Create(
                settings.At, EvaluationSettings.NameOf(metric),
                    $"the evaluation set ({set.Form}) has no labels; use top1_agreement or cosine, or give labels"));
        }

        return metric;
    }

    private void CheckLabels(ModelOutputs reference)
    {
        var classes = reference.Scores.Count > 0 ? reference.Scores[0].Length : 0;
        if (set.Samples.FirstOrDefault(s => s.Label >= classes) is { } sample)
        {
            throw new DiagnosticException(EvaluationDiagnostics.MetricNotMeasurable.Create(
                settings.At, "top1", $"sample '{sample.Name}' has class {sample.Label}, but the model's output has {classes} scores"));
        }

        if (settings.Metric == EvaluationMetric.Top5 && classes <= 5)
        {
            throw new DiagnosticException(EvaluationDiagnostics.MetricNotMeasurable.Create(settings.At,
                "top5", $"the model has only {classes} classes"));
        }
    }

    /// <summary>The trials in order: each op type alone (the one holding the worst node first), then nodes accumulated worst
    /// first.</summary>
    private static IEnumerable<(string Phase, string FallBack, IReadOnlyList<FallbackNode> Nodes)> Candidates(TuningSpace space)
    {
        var rank = space.Ranking.Select((r, i) => (r.Node, r.Sqnr, Rank: i + 1)).ToList();
        foreach (var group in rank.GroupBy(r => space.OpTypes[r.Node]).OrderBy(g => g.Min(r => r.Rank)))
        {
            yield return ("op_type", group.Key, [.. group.Select(r => new FallbackNode(
                r.Node, group.Key, $"op type {group.Key} falls back as a whole (op-type-wise tuning)"))]);
        }

        var nodes = new List<FallbackNode>();
        foreach (var (node, sqnr, position) in rank)
        {
            nodes.Add(new FallbackNode(node, space.OpTypes[node], string.Create(
                CultureInfo.InvariantCulture, $"SQNR {sqnr:0.0} dB, the {Ordinal(position)} worst quantized node (node-wise tuning)")));
            yield return ("node", node, [.. nodes]);
        }
    }

    private List<Diagnostic> Diagnostics(EvaluationReport report, MetricPair judged, int trials)
    {
        var diagnostics = new List<Diagnostic>();
        var interval = judged.Fp32.Interval ?? judged.Quantized.Interval;
        if (interval is not null && interval.Width > report.Allowed)
        {
            diagnostics.Add(EvaluationDiagnostics.SetTooSmall.Create(
                settings.At, report.Metric, report.EvaluationSamples,
                    $"[{Format(interval.Lower)}, {Format(interval.Upper)}]", Format(interval.Width), Format(report.Allowed)));
        }

        if (!report.Met)
        {
            var descriptor = settings.OnFailureIsError ? EvaluationDiagnostics.CriterionNotMet
                : EvaluationDiagnostics.CriterionNotMetWarning;
            var ended = report.EndedBy == "timeout"
                ? $"timeout of {Format(settings.Timeout!.Value.TotalSeconds)} s"
                : report.EndedBy == "max_trials" ? $"max_trials {settings.MaxTrials} spent" : "every quantized node tried";
            diagnostics.Add(descriptor.Create(
                settings.At, report.Metric, Format(judged.Fp32.Value), Format(judged.Quantized.Value),
                    Format(report.Trials[report.ChosenTrial].Drop), report.Criterion, trials, ended));
        }

        return diagnostics;
    }

    private static string Ordinal(int n) => n.ToString(CultureInfo.InvariantCulture) + (n % 100 is 11 or 12 or 13
        ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" });

    internal static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
