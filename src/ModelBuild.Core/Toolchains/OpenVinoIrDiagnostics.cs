using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Toolchains;

/// <summary>The diagnostics of OpenVINO IR inputs, codes MB6180–MB6184.</summary>
public static class OpenVinoIrDiagnostics
{
    /// <summary>The .xml or the .bin of an IR pair is missing.</summary>
    public static readonly DiagnosticDescriptor PairIncomplete = new(
        "MB6180", DiagnosticSeverity.Error,
        "OpenVINO IR '{0}' needs '{1}' beside it: an IR model is an .xml topology and a .bin of weights with the same name.");

    /// <summary>The .xml is not an IR topology.</summary>
    public static readonly DiagnosticDescriptor NotIr = new(
        "MB6181", DiagnosticSeverity.Error, "'{0}' is not an OpenVINO IR topology: {1}");

    /// <summary>A step or target that needs ONNX was given IR.</summary>
    public static readonly DiagnosticDescriptor NeedsOnnx = new(
        "MB6182", DiagnosticSeverity.Error, "'{0}' is OpenVINO IR, and {1} needs an ONNX model. {2}");

    /// <summary>Preprocessing that mo would bake in, asked of an IR input that skips mo.</summary>
    public static readonly DiagnosticDescriptor PreprocessingNotApplied = new(
        "MB6183", DiagnosticSeverity.Error,
        "Input '{0}' of OpenVINO IR '{1}' asks for {2}, which OpenVINO's mo bakes in while converting a model to IR; an IR input is " +
            "compiled as it is, so it would be ignored. Bake it in when making the IR, or set 'bake_preprocessing: false' if the IR " +
            "already holds it or the application applies it.");

    /// <summary>The openvino target cannot change an IR's weight precision.</summary>
    public static readonly DiagnosticDescriptor WeightsPrecisionMismatch = new(
        "MB6184", DiagnosticSeverity.Error,
        "OpenVINO IR '{0}' holds {1} weights, but Precision {2} was asked for; ovc does not convert IR, so for the openvino target " +
            "the IR is the compiled model as it is. Use the model's {2} IR (Open Model Zoo ships one per precision folder) or " +
            "Precision {1}.");
}
