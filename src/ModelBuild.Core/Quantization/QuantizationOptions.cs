using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Quantization.Evaluation;

namespace ModelBuild.Core.Quantization;

/// <summary>The 8-bit integer type of quantized tensors.</summary>
[SuppressMessage(
    "Naming",
    "CA1720:Identifier contains type name",
    Justification = "The members are the ONNX element types they stand for.")]
public enum QuantizedType
{
    /// <summary>uint8 [0, 255], asymmetric (a zero point anywhere in the range).</summary>
    UInt8,

    /// <summary>int8, symmetric [-127, 127] with zero point 0.</summary>
    Int8,
}

/// <summary>How the accuracy of the quantized model is measured against the float model.</summary>
public enum AccuracyMetric
{
    /// <summary>The share of samples whose arg-max class differs (classifier outputs, <c>[N, classes]</c>).</summary>
    Top1Agreement,

    /// <summary>1 − the cosine similarity of outputs, averaged over samples (worst output).</summary>
    Cosine,

    /// <summary>The noise-to-signal energy ratio of outputs, <c>‖x − y‖² / ‖x‖² = 10^(−SQNR/10)</c> (worst output).</summary>
    Sqnr,
}

/// <summary>
/// The accuracy budget (LPOT's and the OpenVINO Calibration Tool's accuracy-aware mode): when the drop
/// measured by <see cref="Metric"/> exceeds <see cref="MaxDrop"/>, the layers with the worst SQNR fall back to
/// float one at a time, at most <see cref="MaxTrials"/> times.
/// </summary>
/// <param name="MaxDrop">The largest acceptable drop (0.01 = one percent for top-1 and cosine; SQNR 20 dB for sqnr).</param>
/// <param name="Metric">What the drop measures.</param>
/// <param name="MaxTrials">How many quantizations the search may try after the first.</param>
/// <param name="OverBudgetIsError">True (the default) when a model still over budget is an error; false makes it a warning.</param>
public sealed record AccuracyBudget(
    double MaxDrop = 0.01,
    AccuracyMetric Metric = AccuracyMetric.Top1Agreement,
    int MaxTrials = 20,
    bool OverBudgetIsError = true);

/// <summary>
/// How a model is quantized. Defaults follow ONNX Runtime's static QDQ quantization: uint8 asymmetric
/// activations, int8 symmetric per-channel weights, int32 biases, MinMax calibration, its default op types.
/// </summary>
public sealed record QuantizationOptions
{
    /// <summary>The op types quantized when <see cref="OpTypesToQuantize"/> is not set (ONNX Runtime's defaults).</summary>
    public static readonly IReadOnlyList<string> DefaultOpTypes =
    [
        "Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Mul", "Concat", "Relu", "Clip", "MaxPool", "AveragePool",
        "GlobalAveragePool", "Resize", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Slice", "Pad", "Split", "Gather",
        "Sigmoid", "Softmax", "LeakyRelu", "BatchNormalization",
    ];

    /// <summary>The type of activations: uint8 asymmetric (default) or int8 symmetric.</summary>
    public QuantizedType ActivationType { get; init; } = QuantizedType.UInt8;

    /// <summary>Per-channel weight scales (needs opset 13; older models are upgraded); false for one scale per weight.</summary>
    public bool PerChannel { get; init; } = true;

    /// <summary>
    /// Quantize weights to 7 bits (ONNX Runtime's <c>reduce_range</c>); on by default, because x86 CPUs without VNNI
    /// (AVX2 and AVX-512 ones) multiply 8-bit activations by 8-bit weights in pairs that saturate 16 bits, and the
    /// build cannot know the CPU the app will run on. False gives full 8-bit weights for VNNI or ARM targets.
    /// </summary>
    public bool ReduceRange { get; init; } = true;

    /// <summary>The op types to quantize; null for <see cref="DefaultOpTypes"/>.</summary>
    public IReadOnlyList<string>? OpTypesToQuantize { get; init; }

    /// <summary>Op types that stay float.</summary>
    public IReadOnlyList<string> OpTypesToExclude { get; init; } = [];

    /// <summary>Nodes (by name) that stay float.</summary>
    public IReadOnlyList<string> NodesToExclude { get; init; } = [];

    /// <summary>
    /// Quantize the model's outputs too. Off by default: an output read by the application gains nothing from
    /// 8 bits, and rounding it (a softmax to steps of 1/255) turns near ties into wrong arg-max classes.
    /// </summary>
    public bool QuantizeOutputs { get; init; }

    /// <summary>The calibrator; its <see cref="CalibratorOptions.Symmetric"/> follows <see cref="ActivationType"/>.</summary>
    public CalibratorOptions Calibration { get; init; } = new();

    /// <summary>Accuracy judged on an evaluation set against a criterion, with tuning; null for none (see <see cref="Budget"/>).</summary>
    public EvaluationSettings? Evaluation { get; init; }

    /// <summary>The accuracy budget; null measures and reports but never falls back.</summary>
    public AccuracyBudget? Budget { get; init; }

    /// <summary>
    /// Run ONNX Runtime's basic graph optimizations first (constant folding, Conv+BatchNormalization fusion,
    /// redundant node removal), as ONNX Runtime's <c>quant_pre_process</c> does; the result is still portable ONNX.
    /// </summary>
    public bool Optimize { get; init; } = true;

    /// <summary>How many calibration samples the accuracy measurement uses (the first ones); all when larger than the data.</summary>
    public int EvaluationSamples { get; init; } = 64;

    /// <summary>How many of those samples the per-tensor SQNR is measured on (each runs the float and the QDQ model together).</summary>
    public int TensorEvaluationSamples { get; init; } = 16;

    /// <summary>True for symmetric activation ranges (int8 activations).</summary>
    public bool SymmetricActivations => ActivationType == QuantizedType.Int8;

    /// <summary>The op types quantized: <see cref="OpTypesToQuantize"/> (or the defaults) without <see cref="OpTypesToExclude"/>.</summary>
    public IReadOnlySet<string> EffectiveOpTypes =>
        (OpTypesToQuantize ?? DefaultOpTypes).Except(OpTypesToExclude, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The options a manifest's <c>quantization</c> section asks for (ONNX Runtime's defaults where it is silent;
    /// no budget unless it sets one).
    /// </summary>
    public static QuantizationOptions FromManifest(QuantizationSpec? spec)
    {
        if (spec is null)
        {
            return new QuantizationOptions();
        }

        var calibration = new CalibratorOptions
        {
            Method = spec.Calibrator switch
            {
                "entropy" => CalibrationMethod.Entropy,
                "percentile" => CalibrationMethod.Percentile,
                _ => CalibrationMethod.MinMax,
            },
        };
        calibration = calibration with
        {
            Percentile = spec.Percentile ?? calibration.Percentile,
            HistogramBins = spec.HistogramBins ?? calibration.HistogramBins,
            QuantizedBins = spec.QuantizedBins ?? calibration.QuantizedBins,
        };
        var defaults = new AccuracyBudget();
        return new QuantizationOptions
        {
            ActivationType = spec.ActivationType == "int8" ? QuantizedType.Int8 : QuantizedType.UInt8,
            PerChannel = spec.PerChannel ?? true,
            ReduceRange = spec.ReduceRange ?? true,
            NodesToExclude = spec.NodesToExclude,
            OpTypesToExclude = spec.OpTypesToExclude,
            Calibration = calibration,
            Evaluation = EvaluationSettings.FromManifest(spec),
            Budget = spec.HasBudget
                ? new AccuracyBudget(
                    spec.MaxDrop ?? defaults.MaxDrop,
                    MetricOf(spec.Metric) ?? defaults.Metric,
                    spec.MaxTrials ?? defaults.MaxTrials,
                    spec.OverBudget != "warning")
                : null,
        };
    }

    /// <summary>Every setting that changes the quantized model or its report, as canonical JSON for action keys.</summary>
    public JsonObject ToJson()
    {
        var json = Describe();
        if (Evaluation is { } evaluation)
        {
            json["evaluation"] = evaluation.ToJson();
        }

        return json;
    }

    private JsonObject Describe() => new()
    {
        ["activation_type"] = ActivationType.ToString(),
        ["per_channel"] = PerChannel,
        ["reduce_range"] = ReduceRange,
        ["op_types"] = new JsonArray([.. EffectiveOpTypes.Order(StringComparer.Ordinal).Select(t => (JsonNode)JsonValue.Create(t))]),
        ["nodes_to_exclude"] = new JsonArray([.. NodesToExclude.Order(StringComparer.Ordinal).Select(t => (JsonNode)JsonValue.Create(t))]),
        ["quantize_outputs"] = QuantizeOutputs,
        ["calibrator"] = Calibration.Method.ToString(),
        ["histogram_bins"] = Calibration.HistogramBins,
        ["quantized_bins"] = Calibration.QuantizedBins,
        ["percentile"] = Calibration.Percentile,
        ["budget"] = Budget is { } budget
            ? new JsonObject
            {
                ["max_drop"] = budget.MaxDrop,
                ["metric"] = budget.Metric.ToString(),
                ["max_trials"] = budget.MaxTrials,
                ["over_budget_is_error"] = budget.OverBudgetIsError
            }
            : null,
        ["optimize"] = Optimize,
        ["evaluation_samples"] = EvaluationSamples,
        ["tensor_evaluation_samples"] = TensorEvaluationSamples,
    };

    /// <summary>The metric a manifest or command line names (<c>top1_agreement</c>, <c>cosine</c>, <c>sqnr</c>), or null.</summary>
    public static AccuracyMetric? MetricOf(string? name) => name switch
    {
        "top1_agreement" => AccuracyMetric.Top1Agreement,
        "cosine" => AccuracyMetric.Cosine,
        "sqnr" => AccuracyMetric.Sqnr,
        _ => null,
    };

    /// <summary>Checks the settings.</summary>
    /// <exception cref="DiagnosticException">A setting is out of range (MB8157).</exception>
    public void Validate()
    {
        if (Budget is { } budget && (!(budget.MaxDrop >= 0) || budget.MaxTrials < 0))
        {
            throw new DiagnosticException(QuantizationDiagnostics.InvalidOption.Create(
                null, "quantization.max_drop / max_trials", $"{budget.MaxDrop} / {budget.MaxTrials}", "max_drop must be 0 or more and " +
                    "max_trials 0 or more"));
        }

        if (EvaluationSamples < 1 || TensorEvaluationSamples < 1)
        {
            throw new DiagnosticException(QuantizationDiagnostics.InvalidOption
                .Create(null, "evaluation samples", $"{EvaluationSamples} / {TensorEvaluationSamples}", "at least 1 sample is needed"));
        }

        Evaluation?.Validate();

        // Building the calibrator checks its own settings.
        _ = Calibration.CreateCalibrator();
    }
}
