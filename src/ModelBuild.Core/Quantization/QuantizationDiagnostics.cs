using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Quantization;

/// <summary>
/// The diagnostics of the INT8 quantizer (section "Calibration and quantization" of docs/diagnostics.md,
/// its second half; one row per code).
/// </summary>
public static class QuantizationDiagnostics
{
    /// <summary>{0} the model's opset, {1} the node, {2} its op type, {3} why it cannot be upgraded.</summary>
    public static readonly DiagnosticDescriptor OpsetUpgradeImpossible = new(
        "MB8150", DiagnosticSeverity.Error,
        "The model imports opset {0}, but per-channel quantization needs opset 13, and node '{1}' ({2}) cannot be upgraded " +
            "automatically: {3}. Quantize per tensor (--per-tensor, or quantization.per_channel: false), or export the model with opset " +
                "13 or later.");

    /// <summary>{0} what failed, {1} ONNX Runtime's reason.</summary>
    public static readonly DiagnosticDescriptor RuntimeFailed = new(
        "MB8151", DiagnosticSeverity.Error, "ONNX Runtime could not {0}: {1}");

    /// <summary>{0} the op types looked for.</summary>
    public static readonly DiagnosticDescriptor NothingQuantized = new(
        "MB8152", DiagnosticSeverity.Warning, "No node of the model was quantized: none is of the op types quantized ({0}) with float " +
            "inputs, or all are excluded. The model stays float.");

    /// <summary>{0} the metric, {1} the drop, {2} the budget, {3} the trials, {4} the layers that fell back.</summary>
    public static readonly DiagnosticDescriptor OverBudget = new(
        "MB8153", DiagnosticSeverity.Error,
        "The quantized model loses {1} by {0}, more than the budget of {2}, after {3} trial(s) falling back {4} to float.");

    /// <summary>{0} the metric, {1} the drop, {2} the budget, {3} the trials, {4} the layers that fell back.</summary>
    public static readonly DiagnosticDescriptor OverBudgetWarning = new(
        "MB8154", DiagnosticSeverity.Warning,
        "The quantized model loses {1} by {0}, more than the budget of {2}, after {3} trial(s) falling back {4} to float.");

    /// <summary>{0} the node name, {1} a did-you-mean or empty.</summary>
    public static readonly DiagnosticDescriptor ExcludedNodeNotFound = new(
        "MB8155", DiagnosticSeverity.Warning, "nodes_to_exclude names '{0}', which is not a node of the model.{1}");

    /// <summary>{0} the folder, {1} why.</summary>
    public static readonly DiagnosticDescriptor ReportNotWritten = new(
        "MB8156", DiagnosticSeverity.Error, "Cannot write the quantization report to '{0}': {1}");

    /// <summary>{0} the option, {1} its value, {2} what is valid.</summary>
    public static readonly DiagnosticDescriptor InvalidOption = new(
        "MB8157", DiagnosticSeverity.Error, "Quantization option {0} = {1} is invalid: {2}.");

    /// <summary>{0} the metric, {1} why it cannot be measured.</summary>
    public static readonly DiagnosticDescriptor MetricNotApplicable = new(
        "MB8158", DiagnosticSeverity.Error, "The accuracy metric {0} cannot be measured on this model: {1}. Use metric: cosine or sqnr.");
}
