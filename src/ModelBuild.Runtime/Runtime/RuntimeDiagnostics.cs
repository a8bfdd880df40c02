using System.Globalization;

namespace ModelBuild.Runtime;

/// <summary>
/// The messages of the ONNX Runtime area (codes 5000 to 5099). This assembly cannot use ModelBuild.Core's
/// diagnostic types, so each message starts with its code; each code has one template and a row in
/// docs/diagnostics.md.
/// </summary>
internal static class RuntimeDiagnostics
{
    public static string LibraryNotFound(string libraryName, IEnumerable<string> tried) => Format(
        "MB5001", "The ONNX Runtime native library ({0}) was not found. Looked in: {1}. Set the {2} environment variable to the library file, or reference the ModelBuild.Runtime package so that runtimes/<rid>/native/{0} is copied to the output folder.",
        libraryName, string.Join("; ", tried), OnnxRuntimeLibrary.PathVariable);

    public static string LibraryNotLoadable(string path, string reason) => Format(
        "MB5002", "'{0}' could not be used as the ONNX Runtime native library: {1}",
        path, reason);

    public static string ApiVersionUnsupported(string path, string version, uint apiVersion) => Format(
        "MB5003", "The ONNX Runtime at '{0}' (version {1}) does not provide C API version {2}; ONNX Runtime 1.{2} or later is needed.",
        path, version, apiVersion);

    public static string NativeError(string operation, OnnxRuntimeErrorCode code, string message) => Format(
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
        "MB5016", "{0} '{1}' is a {2}, not a tensor; this binding exchanges tensors only.",
        direction, name, kind.ToString().ToLowerInvariant());

    public static string DuplicateOutput(string name) => Format(
        "MB5017", "Output '{0}' was requested more than once.",
        name);

    public static string ElementCountMismatch(long count, TensorElementType type, string shape) => Format(
        "MB5020", "{0} {1} elements do not fill shape {2}.",
        count, TensorElementTypes.Name(type), shape);

    public static string NegativeDimension(string shape) => Format(
        "MB5021", "Shape {0} has a negative dimension; tensor dimensions are 0 or more.",
        shape);

    public static string ElementTypeMismatch(TensorElementType type, Type requested) => Format(
        "MB5022", "The tensor holds {0} elements ({1}), not {2}.",
        TensorElementTypes.Name(type), TensorElementTypes.ClrType(type)?.Name ?? "none", requested.Name);

    public static string UnsupportedClrType(Type type) => Format(
        "MB5023", "{0} is not a tensor element type. Use float, double, Half, BFloat16, sbyte, byte, short, ushort, int, uint, long, ulong, bool or string.",
        type.Name);

    public static string UnsupportedElementType(string where, int onnxType) => Format(
        "MB5024", "{0} has ONNX element type {1}, which this binding does not handle (complex, float8, int4 and similar types are not supported).",
        where, onnxType);

    public static string NoInPlaceView(string name) => Format(
        "MB5018", "Output '{0}' holds strings, which cannot be read in place; run without a visitor to get a copy.",
        name);

    public static string NullString(int index) => Format(
        "MB5025", "String element {0} is null; use an empty string instead.",
        index);

    public static string StringHasNul(string name, long index) => Format(
        "MB5028", "String element {1} of input '{0}' contains a NUL character, which ONNX Runtime's C API cannot pass.",
        name, index);

    public static string NotANumericType(TensorElementType type) => Format(
        "MB5026", "{0} tensors have no byte representation; only numeric and bool tensors do.",
        TensorElementTypes.Name(type));

    public static string ByteCountMismatch(long byteCount, TensorElementType type, string shape) => Format(
        "MB5027", "{0} bytes are not a whole number of {1} elements (shape {2}).",
        byteCount, TensorElementTypes.Name(type), shape);

    public static string NpyBadMagic(string what) => Format(
        "MB5030", "{0} is not a .npy file: it does not start with the \\x93NUMPY magic.",
        what);

    public static string NpyUnsupportedVersion(int major, int minor) => Format(
        "MB5031", ".npy format version {0}.{1} is not supported; versions 1.0, 2.0 and 3.0 are.",
        major, minor);

    public static string NpyMalformedHeader(string detail) => Format(
        "MB5032", "The .npy header is malformed: {0}",
        detail);

    public static string NpyFortranOrder(string shape) => Format(
        "MB5033", "The .npy array (shape {0}) is stored in Fortran (column-major) order; save it in C order, e.g. numpy.save(path, numpy.ascontiguousarray(a)).",
        shape);

    public static string NpyUnsupportedDtype(string descr) => Format(
        "MB5034", "The .npy dtype '{0}' is not supported. Object arrays ('O'), structured, complex and datetime dtypes cannot become tensors; supported are bool, int8-64, uint8-64, float16/32/64, bfloat16 and unicode ('<U') or byte ('|S') strings.",
        descr);

    public static string NpyTruncated(long expected, long actual) => Format(
        "MB5035", "The .npy data is truncated: {0} bytes expected, {1} found.",
        expected, actual);

    public static string NpyInvalidText(long index) => Format(
        "MB5036", "String element {0} of the .npy array is not valid text (bad UTF-32 code point or UTF-8 bytes).",
        index);

    private static string Format(string code, string template, params object?[] args) =>
        code + ": " + string.Format(CultureInfo.InvariantCulture, template, args);
}
