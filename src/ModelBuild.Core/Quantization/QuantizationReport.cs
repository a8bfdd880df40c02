namespace ModelBuild.Core.Quantization;

/// <summary>
/// What quantizing a model did and how close the result is: the settings, every quantized tensor with its
/// parameters and SQNR, every output's accuracy, the accuracy budget's search, and model sizes. Written as JSON
/// and as a self-contained HTML page by <see cref="QuantizationReportWriter"/>.
/// </summary>
/// <param name="ModelName">The model, as messages name it.</param>
/// <param name="Settings">How it was quantized.</param>
/// <param name="CalibrationSamples">Samples calibrated on.</param>
/// <param name="EvaluationSamples">Samples the accuracy was measured on (the first calibration samples).</param>
/// <param name="Tensors">Every quantized tensor: activations in graph order, then constants.</param>
/// <param name="Outputs">Every float output's accuracy.</param>
/// <param name="Trials">The budget search: trial 0 is the first quantization, each next one falls back one more layer.</param>
/// <param name="FallenBack">The layers (nodes) the search left in float in the chosen model.</param>
/// <param name="Budget">The budget's outcome; null when no budget was set.</param>
/// <param name="FloatModelBytes">The size of the float model given.</param>
/// <param name="QuantizedModelBytes">The size of the QDQ model.</param>
/// <param name="QuantizedNodes">The nodes computed on quantized inputs.</param>
/// <param name="FloatNodes">The other nodes of the prepared model, which stay float; an FP16 pass may convert them.</param>
/// <param name="Notes">What preprocessing changed.</param>
public sealed record QuantizationReport(
    string ModelName,
    QuantizationSettings Settings,
    int CalibrationSamples,
    int EvaluationSamples,
    IReadOnlyList<TensorReport> Tensors,
    IReadOnlyList<OutputAccuracy> Outputs,
    IReadOnlyList<FallbackTrial> Trials,
    IReadOnlyList<string> FallenBack,
    BudgetOutcome? Budget,
    long FloatModelBytes,
    long QuantizedModelBytes,
    IReadOnlyList<string> QuantizedNodes,
    IReadOnlyList<string> FloatNodes,
    IReadOnlyList<string> Notes)
{
    /// <summary>Accuracy on the held-out evaluation set, the criterion and the tuning; null without
    /// <c>evaluation</c>/<c>accuracy_criterion</c>.</summary>
    public Evaluation.EvaluationReport? Evaluation { get; init; }
}

/// <summary>The settings a model was quantized with, as reported.</summary>
public sealed record QuantizationSettings(
    string ActivationType,
    bool SymmetricActivations,
    string WeightType,
    bool PerChannel,
    bool ReduceRange,
    string Calibrator,
    long OpsetBefore,
    long OpsetAfter,
    IReadOnlyList<string> NodesExcluded,
    IReadOnlyList<string> OpTypesExcluded);

/// <summary>One quantized tensor and its measured SQNR (null when not measured: SQNR of activations needs the evaluation).</summary>
public sealed record TensorReport(QuantizedTensor Tensor, double? Sqnr, double? LocalSqnr);

/// <summary>One quantization of the budget search: which layer it fell back (null for the first) and the drop it measured.</summary>
public sealed record FallbackTrial(int Trial, string? FellBack, double Drop);

/// <summary>How the accuracy budget ended: the metric, its limit, the chosen model's drop, and whether it fits.</summary>
public sealed record BudgetOutcome(AccuracyMetric Metric, double MaxDrop, double Drop, bool Met, int Trials);
