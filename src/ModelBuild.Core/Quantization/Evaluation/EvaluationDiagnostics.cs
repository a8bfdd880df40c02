using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Quantization.Evaluation;

/// <summary>
/// The diagnostics of accuracy-aware quantization on an evaluation set (MB8180–MB8187 of the section
/// "Calibration and quantization" of docs/diagnostics.md; one row per code).
/// </summary>
public static class EvaluationDiagnostics
{
    /// <summary>{0} the metric, {1} FP32's value, {2} INT8's value, {3} the drop, {4} the criterion, {5} the trials, {6} why the search
    /// ended.</summary>
    public static readonly DiagnosticDescriptor CriterionNotMet = new(
        "MB8180", DiagnosticSeverity.Error,
        "The INT8 model misses the accuracy criterion: {0} FP32 {1}, INT8 {2}, drop {3}, criterion {4}, after {5} trial(s) ({6}).");

    /// <summary>The same arguments as <see cref="CriterionNotMet"/>.</summary>
    public static readonly DiagnosticDescriptor CriterionNotMetWarning = new(
        "MB8181", DiagnosticSeverity.Warning,
        "The INT8 model misses the accuracy criterion: {0} FP32 {1}, INT8 {2}, drop {3}, criterion {4}, after {5} trial(s) ({6}); "
        + "kept because on_failure is warning.");

    /// <summary>{0} the file in the evaluation set, {1} the calibration file with the same content.</summary>
    public static readonly DiagnosticDescriptor SampleInBothSets = new(
        "MB8182", DiagnosticSeverity.Error,
        "Evaluation sample '{0}' is also a calibration sample ('{1}'): a sample never serves both calibration and evaluation.");

    /// <summary>{0} the metric, {1} the samples, {2} the interval, {3} its width, {4} the drop allowed.</summary>
    public static readonly DiagnosticDescriptor SetTooSmall = new(
        "MB8183", DiagnosticSeverity.Warning,
        "The evaluation set is too small to resolve the criterion: FP32's {0} on {1} samples has the 95% interval {2} "
        + "(width {3}), wider than the drop allowed ({4}).");

    /// <summary>{0} the path, {1} what is wrong.</summary>
    public static readonly DiagnosticDescriptor SetUnusable = new(
        "MB8184", DiagnosticSeverity.Error, "The evaluation set '{0}' cannot be used: {1}.");

    /// <summary>{0} the labels file, {1} the line, {2} what is wrong.</summary>
    public static readonly DiagnosticDescriptor LabelsFileInvalid = new(
        "MB8185", DiagnosticSeverity.Error, "Labels file '{0}', line {1}: {2}.");

    /// <summary>{0} the metric, {1} why.</summary>
    public static readonly DiagnosticDescriptor MetricNotMeasurable = new(
        "MB8186", DiagnosticSeverity.Error, "The metric {0} cannot be measured on this evaluation set: {1}.");

    /// <summary>{0} the setting, {1} its value, {2} what is valid.</summary>
    public static readonly DiagnosticDescriptor InvalidSetting = new(
        "MB8187", DiagnosticSeverity.Error, "Accuracy setting {0} = {1} is invalid: {2}.");
}
