using System.Globalization;

namespace ModelBuild.Tensors;

/// <summary>
/// The messages of tensors and .npy files (codes MB5020 to MB5036). This assembly cannot use ModelBuild.Core's
/// diagnostic types, so each message starts with its code; each code has one template and a row in
/// docs/diagnostics.md.
/// </summary>
internal static class RuntimeDiagnostics
{
    public static CodedMessage ElementCountMismatch(long count, TensorElementType type, string shape) => Format(
        "MB5020", "{0} {1} elements do not fill shape {2}.",
        count, TensorElementTypes.Name(type), shape);

    public static CodedMessage NegativeDimension(string shape) => Format(
        "MB5021", "Shape {0} has a negative dimension; tensor dimensions are 0 or more.",
        shape);

    public static CodedMessage ElementTypeMismatch(TensorElementType type, Type requested) => Format(
        "MB5022", "The tensor holds {0} elements ({1}), not {2}.",
        TensorElementTypes.Name(type), TensorElementTypes.ClrType(type)?.Name ?? "none", requested.Name);

    public static CodedMessage UnsupportedClrType(Type type) => Format(
        "MB5023", "{0} is not a tensor element type. Use float, double, Half, BFloat16, sbyte, byte, short, ushort, int, uint, long, " +
            "ulong, bool or string.",
        type.Name);

    public static CodedMessage UnsupportedElementType(string where, int onnxType) => Format(
        "MB5024", "{0} has ONNX element type {1}, which ModelBuild tensors do not hold (complex, float8, int4 and similar types are not " +
            "supported).",
        where, onnxType);

    public static CodedMessage NullString(int index) => Format(
        "MB5025", "String element {0} is null; use an empty string instead.",
        index);

    public static CodedMessage NotANumericType(TensorElementType type) => Format(
        "MB5026", "{0} tensors have no byte representation; only numeric and bool tensors do.",
        TensorElementTypes.Name(type));

    public static CodedMessage ByteCountMismatch(long byteCount, TensorElementType type, string shape) => Format(
        "MB5027", "{0} bytes are not a whole number of {1} elements (shape {2}).",
        byteCount, TensorElementTypes.Name(type), shape);

    public static CodedMessage NpyBadMagic(string what) => Format(
        "MB5030", "{0} is not a .npy file: it does not start with the \\x93NUMPY magic.",
        what);

    public static CodedMessage NpyUnsupportedVersion(int major, int minor) => Format(
        "MB5031", ".npy format version {0}.{1} is not supported; versions 1.0, 2.0 and 3.0 are.",
        major, minor);

    public static CodedMessage NpyMalformedHeader(string detail) => Format(
        "MB5032", "The .npy header is malformed: {0}",
        detail);

    public static CodedMessage NpyFortranOrder(string shape) => Format(
        "MB5033", "The .npy array (shape {0}) is stored in Fortran (column-major) order; save it in C order, e.g. numpy.save(path, " +
            "numpy.ascontiguousarray(a)).",
        shape);

    public static CodedMessage NpyUnsupportedDtype(string descr) => Format(
        "MB5034", "The .npy dtype '{0}' is not supported. Object arrays ('O'), structured, complex and datetime dtypes cannot become " +
            "tensors; supported are bool, int8-64, uint8-64, float16/32/64, bfloat16 and unicode ('<U') or byte ('|S') strings.",
        descr);

    public static CodedMessage NpyTruncated(long expected, long actual) => Format(
        "MB5035", "The .npy data is truncated: {0} bytes expected, {1} found.",
        expected, actual);

    public static CodedMessage NpyInvalidText(long index) => Format(
        "MB5036", "String element {0} of the .npy array is not valid text (bad UTF-32 code point or UTF-8 bytes).",
        index);

    private static CodedMessage Format(string code, string template, params object?[] args) =>
        new(code, string.Format(CultureInfo.InvariantCulture, template, args));
}
