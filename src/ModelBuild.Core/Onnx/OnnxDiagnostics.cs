using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Onnx;

/// <summary>Diagnostics about ONNX model files and graphs: the first half of the ONNX range in docs/diagnostics.md.</summary>
public static class OnnxDiagnostics
{
    public static readonly DiagnosticDescriptor NotAnOnnxModel = new(
        "MB4001", DiagnosticSeverity.Error, "'{0}' is not an ONNX model: {1}.");

    public static readonly DiagnosticDescriptor CannotReadModel = new(
        "MB4002", DiagnosticSeverity.Error, "Cannot read the ONNX model '{0}': {1}");

    public static readonly DiagnosticDescriptor ModelFileTooLarge = new(
        "MB4003", DiagnosticSeverity.Error,
        "'{0}' is {1} bytes, more than the 2 GiB a protobuf ONNX file can hold; a model that large must keep its weights as external " +
            "data (a '.onnx_data' file beside the model).");

    public static readonly DiagnosticDescriptor ModelTooLargeToWrite = new(
        "MB4004", DiagnosticSeverity.Error,
        "The ONNX model '{0}' would be {1} bytes when written, more than the 2 GiB a protobuf ONNX file can hold; write it with its " +
            "weights as external data.");

    public static readonly DiagnosticDescriptor ExternalDataLocationInvalid = new(
        "MB4020", DiagnosticSeverity.Error,
        "Tensor '{0}' of '{1}' names its external data file as '{2}', which is not a relative path inside the model's folder.");

    public static readonly DiagnosticDescriptor ExternalDataFileMissing = new(
        "MB4021", DiagnosticSeverity.Error, "Tensor '{0}' of '{1}' keeps its data in '{2}', which is not beside the model.");

    public static readonly DiagnosticDescriptor ExternalDataOutOfRange = new(
        "MB4022", DiagnosticSeverity.Error, "Tensor '{0}' of '{1}' reads bytes {2} to {3} of '{4}', which has {5} bytes.");

    public static readonly DiagnosticDescriptor ExternalDataSizeMismatch = new(
        "MB4023", DiagnosticSeverity.Error, "Tensor '{0}' of '{1}' has {2} bytes of external data, but its type and dimensions need {3}.");

    public static readonly DiagnosticDescriptor TensorTooLarge = new(
        "MB4024", DiagnosticSeverity.Error, "Tensor '{0}' of '{1}' has {2} bytes; a single tensor over 2 GiB cannot be converted.");

    public static readonly DiagnosticDescriptor UnknownNodeInput = new(
        "MB4010", DiagnosticSeverity.Error,
        "Node {0}{1} reads '{2}', which is not a graph input, an initializer or the output of any node.");

    public static readonly DiagnosticDescriptor NodeInputNotYetProduced = new(
        "MB4011", DiagnosticSeverity.Error,
        "Node {0}{1} reads '{2}' before node {3} produces it; nodes must be in topological order.");

    public static readonly DiagnosticDescriptor DuplicateValueName = new(
        "MB4012", DiagnosticSeverity.Error, "'{0}'{1} is produced twice: by {2} and by {3}.");

    public static readonly DiagnosticDescriptor GraphOutputNotProduced = new(
        "MB4013", DiagnosticSeverity.Error,
        "Graph output '{0}'{1} is not produced by any node, graph input or initializer.");

    public static readonly DiagnosticDescriptor DomainNotImported = new(
        "MB4014", DiagnosticSeverity.Error,
        "Node {0}{1} uses the operator domain '{2}', which the model does not import in opset_import.");

    public static readonly DiagnosticDescriptor MainGraphValueWithoutType = new(
        "MB4015", DiagnosticSeverity.Error,
        "Graph {0} '{1}' has no type; the inputs and outputs of the main graph must declare one.");
}
