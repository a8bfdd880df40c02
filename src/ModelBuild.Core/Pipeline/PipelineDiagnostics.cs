using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Pipeline;

/// <summary>Diagnostics of the compile pipeline itself.</summary>
public static class PipelineDiagnostics
{
    public static readonly DiagnosticDescriptor MultiStageNotImplemented = new(
        "MB6010", DiagnosticSeverity.Error, "Manifest '{0}' has {1} stages ({2}); multi-stage models are not implemented in ModelBuild {3} yet. Use one ModelReference per stage, each with a flat manifest.");

    public static readonly DiagnosticDescriptor UnsupportedModelFormat = new(
        "MB6011", DiagnosticSeverity.Error, "input_model '{0}' is a {1} model; ModelBuild {2} compiles ONNX models only.");

    public static readonly DiagnosticDescriptor RuntimeRejectedModel = new(
        "MB6012", DiagnosticSeverity.Error, "ONNX Runtime {0} cannot load the model prepared from '{1}': {2}");

    public static readonly DiagnosticDescriptor RuntimeShapeDisagrees = new(
        "MB6013", DiagnosticSeverity.Error, "ONNX Runtime sees input '{0}' of the prepared model as {1}, but the manifest asks for {2}.");
}
