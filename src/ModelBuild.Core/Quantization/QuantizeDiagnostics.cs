using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Quantization;

/// <summary>Diagnostics of <c>modelbuild quantize</c> (the last part of the calibration and quantization range).</summary>
public static class QuantizeDiagnostics
{
    public static readonly DiagnosticDescriptor ModelNotFound = new(
        "MB8170", DiagnosticSeverity.Error, "Model '{0}' was not found.");

    /// <summary>{0} the manifest, {1} its stage count.</summary>
    public static readonly DiagnosticDescriptor MultiStageManifest = new(
        "MB8171", DiagnosticSeverity.Error, "Manifest '{0}' has {1} stages; 'modelbuild quantize' takes the settings of a single-stage " +
            "manifest.");

    /// <summary>{0} the text, {1} what is expected.</summary>
    public static readonly DiagnosticDescriptor InvalidShape = new(
        "MB8172", DiagnosticSeverity.Error, "--shape '{0}' is not valid: {1}.");

    /// <summary>{0} the option, {1} its value, {2} the valid values.</summary>
    public static readonly DiagnosticDescriptor InvalidChoice = new(
        "MB8173", DiagnosticSeverity.Error, "{0} '{1}' is not valid. Valid values: {2}.");

    /// <summary>{0} the file, {1} why.</summary>
    public static readonly DiagnosticDescriptor OutputNotWritten = new(
        "MB8174", DiagnosticSeverity.Error, "Cannot write the quantized model to '{0}': {1}");
}
