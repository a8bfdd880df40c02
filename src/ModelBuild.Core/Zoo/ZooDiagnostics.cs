using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Zoo;

/// <summary>The diagnostics of whole-zoo runs (<c>convert</c>/<c>quantize --models_dir</c>), codes MB2152–MB2155.</summary>
public static class ZooDiagnostics
{
    /// <summary>A name in <c>--precisions</c> is not a precision.</summary>
    public static readonly DiagnosticDescriptor UnknownPrecision = new(
        "MB2152", DiagnosticSeverity.Error,
        "Unknown precisions in --precisions: {0}. Known: {1}.");

    /// <summary><c>quantize --models_dir</c> given a float precision.</summary>
    public static readonly DiagnosticDescriptor FloatPrecisionForQuantize = new(
        "MB2153", DiagnosticSeverity.Error,
        "quantize makes INT8 models; --precisions {0} is not one. Use FP16-INT8 or FP32-INT8 (modelbuild convert makes FP16 and FP32).");

    /// <summary>The whole-zoo options are mixed with a single model's.</summary>
    public static readonly DiagnosticDescriptor ModeConflict = new(
        "MB2154", DiagnosticSeverity.Error,
        "{0}");

    /// <summary>No precision requested is one the target makes, for any selected model.</summary>
    public static readonly DiagnosticDescriptor NothingToDo = new(
        "MB2155", DiagnosticSeverity.Error,
        "Target '{0}' makes none of the requested precisions ({1}); it makes {2}.");
}
