using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Pipeline;

/// <summary>Diagnostics of the compile pipeline itself.</summary>
public static class PipelineDiagnostics
{
    public static readonly DiagnosticDescriptor UnsupportedModelFormat = new(
        "MB6011", DiagnosticSeverity.Error, "input_model '{0}' is a {1} model; ModelBuild {2} compiles ONNX models only.");

    public static readonly DiagnosticDescriptor RuntimeRejectedModel = new(
        "MB6012", DiagnosticSeverity.Error, "ONNX Runtime {0} cannot load the model prepared from '{1}': {2}");

    public static readonly DiagnosticDescriptor RuntimeShapeDisagrees = new(
        "MB6013", DiagnosticSeverity.Error, "ONNX Runtime sees input '{0}' of the prepared model as {1}, but the manifest asks for {2}.");

    public static readonly DiagnosticDescriptor ValidationFailed = new(
        "MB6016", DiagnosticSeverity.Error, "The {0} model converted from '{1}' ({2}) differs from the original beyond the {3} " +
            "thresholds on {4} inputs: {5}.");

    public static readonly DiagnosticDescriptor ValidationFailedWarning = new(
        "MB6017", DiagnosticSeverity.Warning, "The {0} model converted from '{1}' ({2}) differs from the original beyond the {3} " +
            "thresholds on {4} inputs: {5}.");

    public static readonly DiagnosticDescriptor ValidationSkipped = new(
        "MB6018", DiagnosticSeverity.Warning, "The {0} model converted from '{1}' ({2}) was not checked against the original: {3}.");

    public static readonly DiagnosticDescriptor ExternalDataNotLocal = new(
        "MB6019", DiagnosticSeverity.Error, "'{0}' keeps its weights in external data ({1}); ModelBuild reads external data only beside " +
            "a local model file.");

    public static readonly DiagnosticDescriptor ConvertedModelRejected = new(
        "MB6020", DiagnosticSeverity.Error, "ONNX Runtime {0} cannot load the {1} model converted from '{2}': {3}");

    public static readonly DiagnosticDescriptor OrtFormatTooLarge = new(
        "MB6021", DiagnosticSeverity.Error, "'{0}' is {1} bytes, more than the 2 GiB the ORT format can hold; use the onnx target, which " +
            "writes external data.");

    public static readonly DiagnosticDescriptor DataTypeHasNoOnnxType = new(
        "MB6022", DiagnosticSeverity.Error, "data_type {0} of input '{1}' has no ONNX element type; the onnx and ort targets feed inputs " +
            "with ONNX types only.");

    public static readonly DiagnosticDescriptor UnknownMainStage = new(
        "MB6030", DiagnosticSeverity.Error, "MainStage '{0}' is not a stage of manifest '{1}'; its stages are {2}.");

    public static readonly DiagnosticDescriptor LinkedStageNotEarlier = new(
        "MB6031", DiagnosticSeverity.Error, "The calibration of input '{0}' of stage '{1}' links to stage '{2}', which is not an earlier " +
            "stage of the manifest; stages calibrate on the outputs of stages listed before them ({3}).");

    public static readonly DiagnosticDescriptor LinkedOutputUnknown = new(
        "MB6032", DiagnosticSeverity.Error, "The calibration of input '{0}' of stage '{1}' links to output '{2}' of stage '{3}', which " +
            "has no such output; its outputs are {4}.");

    public static readonly DiagnosticDescriptor LinkedOutputMissing = new(
        "MB6034", DiagnosticSeverity.Error, "The calibration of input '{0}' of stage '{1}' links to stage '{2}' through a script only; " +
            "ModelBuild does not run calibration scripts: name the output to calibrate on with 'output: <name>'.");

    public static readonly DiagnosticDescriptor MultiStageArchive = new(
        "MB6033", DiagnosticSeverity.Error, "Package 'nnarchive' packs one model, but manifest '{0}' has {1} stages; compile the stages " +
            "without Package, or one flat manifest per archive.");

    public static readonly DiagnosticDescriptor OneStageExpected = new(
        "MB6035", DiagnosticSeverity.Error, "{0} compiles one model, but manifest '{1}' has {2} stages ({3}); 'modelbuild compile' and " +
            "a ModelReference compile every stage.");
}
