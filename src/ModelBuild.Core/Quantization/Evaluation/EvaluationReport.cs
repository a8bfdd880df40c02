namespace ModelBuild.Core.Quantization.Evaluation;

/// <summary>One quantization tried by the tuning, with its metric on the evaluation set.</summary>
/// <param name="Index">0 for the first quantization, then 1, 2, ...</param>
/// <param name="Phase"><c>baseline</c>, <c>op_type</c> (every node of an op type falls back) or <c>node</c> (one more node, in SQNR
/// order).</param>
/// <param name="FallBack">The op type or node this trial fell back; null for the baseline.</param>
/// <param name="FloatNodes">How many nodes the trial left float beyond the user's exclusions.</param>
/// <param name="Quantized">INT8's metric.</param>
/// <param name="Drop">FP32's metric minus INT8's (in the direction of <c>higher_is_better</c>).</param>
/// <param name="Met">True when the trial meets the criterion.</param>
public sealed record TuningTrial(int Index, string Phase, string? FallBack, int FloatNodes, double Quantized, double Drop, bool Met);

/// <summary>A node the tuning left float, and why.</summary>
/// <param name="Node">The node.</param>
/// <param name="OpType">Its op type.</param>
/// <param name="Why">Why it fell back.</param>
public sealed record FallbackNode(string Node, string OpType, string Why);

/// <summary>
/// The evaluation part of the quantization report: the set and its sizes, FP32 against INT8 per metric with
/// intervals, per-class accuracy, changed samples, the criterion and whether it held, every trial, the fallbacks.
/// </summary>
/// <param name="Form">How the evaluation set was formed.</param>
/// <param name="Source">Its folder.</param>
/// <param name="CalibrationSamples">The calibration samples (without those held out).</param>
/// <param name="EvaluationSamples">The evaluation samples.</param>
/// <param name="Metric">The metric judged.</param>
/// <param name="Criterion">The criterion, as written (<c>relative 0.01</c>).</param>
/// <param name="Allowed">The drop allowed, in the metric's units.</param>
/// <param name="Met">True when the chosen model meets the criterion.</param>
/// <param name="EndedBy">Why tuning ended: <c>criterion met</c>, <c>max_trials</c>, <c>no more nodes</c>, <c>timeout</c>.</param>
/// <param name="Comparison">FP32 against the chosen INT8 model.</param>
/// <param name="Trials">Every trial in order.</param>
/// <param name="ChosenTrial">The trial whose model is kept.</param>
/// <param name="FallenBack">The nodes the chosen trial left float.</param>
public sealed record EvaluationReport(
    string Form,
    string Source,
    int CalibrationSamples,
    int EvaluationSamples,
    string Metric,
    string Criterion,
    double Allowed,
    bool Met,
    string EndedBy,
    EvaluationComparison Comparison,
    IReadOnlyList<TuningTrial> Trials,
    int ChosenTrial,
    IReadOnlyList<FallbackNode> FallenBack)
{
    /// <summary>The judged metric's FP32 and INT8 values.</summary>
    public MetricPair Judged => Comparison.Metrics.First(m => m.Name == Metric);
}
