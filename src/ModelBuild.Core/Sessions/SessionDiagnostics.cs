using System.Globalization;
using ModelBuild.Core.Onnx;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Sessions;

/// <summary>
/// The messages of model sessions (codes MB5004, MB5010–MB5017 and MB5050). They travel inside exceptions, as the
/// callers that turn them into diagnostics expect (see <c>CodedException</c>), so each starts with its code;
/// each code has one template and a row in docs/diagnostics.md.
/// </summary>
internal static class SessionDiagnostics
{
    public static string NativeError(string operation, string code, string message) => Format(
        "MB5004", "ONNX Runtime could not {0}: {1}: {2}",
        operation, code, message);

    public static string UnknownInput(string name, string expected) => Format(
        "MB5010", "'{0}' is not an input of the model. Its inputs are: {1}.",
        name, expected);

    public static string MissingInput(string name, string expected) => Format(
        "MB5011", "Input '{0}' was not given. The model needs: {1}.",
        name, expected);

    public static string InputElementTypeMismatch(string name, TensorElementType expected, TensorElementType given) => Format(
        "MB5012", "Input '{0}' must be a {1} tensor, but a {2} tensor was given.",
        name, TensorElementTypes.Name(expected), TensorElementTypes.Name(given));

    public static string InputShapeMismatch(string name, string expected, string given) => Format(
        "MB5013", "Input '{0}' must have shape {1} (-1 = any size), but shape {2} was given.",
        name, expected, given);

    public static string DuplicateInput(string name) => Format(
        "MB5014", "Input '{0}' was given more than once.",
        name);

    public static string UnknownOutput(string name, string available) => Format(
        "MB5015", "'{0}' is not an output of the model. Its outputs are: {1}. To read an intermediate tensor, add it to the graph's outputs first.",
        name, available);

    public static string NotATensor(string direction, string name, OnnxValueKind kind) => Format(
        "MB5016", "{0} '{1}' is a {2}, not a tensor; the engine exchanges tensors only.",
        direction, name, KindName(kind));

    public static string DuplicateOutput(string name) => Format(
        "MB5017", "Output '{0}' was requested more than once.",
        name);

    public static string RuntimeNotLoadable(string reason) => Format(
        "MB5050", "ONNX Runtime's native library could not be loaded: {0}",
        reason);

    public static string KindName(OnnxValueKind kind) => kind switch
    {
        OnnxValueKind.SparseTensor => "sparse tensor",
        OnnxValueKind.Unspecified => "value of unknown kind",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string Format(string code, string template, params object?[] args) =>
        code + ": " + string.Format(CultureInfo.InvariantCulture, template, args);
}
