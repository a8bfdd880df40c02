using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Inference;

/// <summary>Diagnostics of <c>modelbuild infer</c>.</summary>
public static class InferenceDiagnostics
{
    public static readonly DiagnosticDescriptor ModelNotFound = new(
        "MB9010", DiagnosticSeverity.Error, "Model '{0}' was not found.");

    public static readonly DiagnosticDescriptor InputFolderMissing = new(
        "MB9011", DiagnosticSeverity.Error, "No folder for input '{0}': expected '{1}' holding <n>.npy or <n>.pb files, one per sample.");

    public static readonly DiagnosticDescriptor SamplesDiffer = new(
        "MB9012", DiagnosticSeverity.Error, "Input '{0}' has samples [{1}] but input '{2}' has [{3}]; every input needs one file per " +
            "sample, with the same names.");

    public static readonly DiagnosticDescriptor NoSamples = new(
        "MB9013", DiagnosticSeverity.Error, "'{0}' holds no .npy or .pb files.");

    public static readonly DiagnosticDescriptor NotATensorProto = new(
        "MB9014", DiagnosticSeverity.Error, "'{0}' is not an ONNX TensorProto: {1}");

    public static readonly DiagnosticDescriptor SampleFailed = new(
        "MB9015", DiagnosticSeverity.Error, "Sample '{0}' could not be run: {1}");
}
