using System.Globalization;
using ModelBuild.Core.Onnx;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Sessions;

/// <summary>
/// The messages of model sessions (codes MB5004, MB5010–MB5017, MB5050 and MB3050). They travel inside exceptions, as the
/// callers that turn them into diagnostics expect (see <c>CodedException</c>), so each starts with its code;
/// each code has one template and a row in docs/diagnostics.md.
/// </summary>
internal static class SessionDiagnostics
{
    public static CodedMessage NativeError(string operation, string code, string message) => Format(
        "MB5004", "ONNX Runtime could not {0}: {1}: {2}",
        operation, code, message);

    public static CodedMessage UnknownInput(string name, string expected) => Format(
        "MB5010", "'{0}' is not an input of the model. Its inputs are: {1}.",
        name, expected);

    public static CodedMessage MissingInput(string name, string expected) => Format(
        "MB5011", "Input '{0}' was not given. The model needs: {1}.",
        name, expected);

    public static CodedMessage InputElementTypeMismatch(string name, TensorElementType expected, TensorElementType given) => Format(
        "MB5012", "Input '{0}' must be a {1} tensor, but a {2} tensor was given.",
        name, TensorElementTypes.Name(expected), TensorElementTypes.Name(given));

    public static CodedMessage InputShapeMismatch(string name, string expected, string given) => Format(
        "MB5013", "Input '{0}' must have shape {1} (-1 = any size), but shape {2} was given.",
        name, expected, given);

    public static CodedMessage DuplicateInput(string name) => Format(
        "MB5014", "Input '{0}' was given more than once.",
        name);

    public static CodedMessage UnknownOutput(string name, string available) => Format(
        "MB5015", "'{0}' is not an output of the model. Its outputs are: {1}. To read an intermediate tensor, add it to the graph's " +
            "outputs first.",
        name, available);

    public static CodedMessage NotATensor(string direction, string name, OnnxValueKind kind) => Format(
        "MB5016", "{0} '{1}' is a {2}, not a tensor; the engine exchanges tensors only.",
        direction, name, OnnxValueKinds.Name(kind));

    public static CodedMessage DuplicateOutput(string name) => Format(
        "MB5017", "Output '{0}' was requested more than once.",
        name);

    public static CodedMessage RuntimeNotLoadable(string reason) => Format(
        "MB5050", "ONNX Runtime's native library could not be loaded: {0}",
        reason);

    public static CodedMessage RuntimeVersionMismatch(string loaded, string built) => Format(
        "MB3050", "ONNX Runtime {0} was loaded, but this engine was built with {1}, the version its cache keys name; reinstall the " +
            "engine so that it loads the ONNX Runtime it ships with.",
        loaded, built);

    private static CodedMessage Format(string code, string template, params object?[] args) =>
        new(code, string.Format(CultureInfo.InvariantCulture, template, args));
}
