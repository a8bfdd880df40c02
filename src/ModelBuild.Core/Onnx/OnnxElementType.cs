using ModelBuild.Tensors;

namespace ModelBuild.Core.Onnx;

/// <summary>Names of ONNX tensor element types (the <c>TensorProto.DataType</c> numbers).</summary>
public static class OnnxElementType
{
    // TensorProto.DataType of the onnx.proto compiled in, by number (a test holds the two equal). A table, not the
    // protobuf descriptor: a warm build names element types without loading the protobuf library.
    private static readonly string[] DataTypes =
    [
        "undefined", "float", "uint8", "int8", "uint16", "int16", "int32", "int64", "string", "bool", "float16", "double", "uint32",
        "uint64", "complex64", "complex128", "bfloat16", "float8e4m3fn", "float8e4m3fnuz", "float8e5m2", "float8e5m2fnuz", "uint4",
        "int4", "float4e2m1", "float8e8m0", "uint2", "int2",
    ];

    /// <summary>
    /// The specification's lower-case name (<c>float</c>, <c>uint8</c>, <c>float16</c>), or
    /// <c>type N</c> for a number newer than the schema compiled in.
    /// </summary>
    public static string Name(int elementType)
    {
        return (uint)elementType < (uint)DataTypes.Length ? DataTypes[elementType] : $"type {elementType}";
    }

    /// <summary>
    /// The element type as apps see it: NumPy's name (<c>float32</c>, <c>float64</c>, <c>uint8</c>...), which .NET
    /// users also know from ONNX tooling.
    /// </summary>
    public static string NumPyName(int elementType) => Name(elementType) switch
    {
        "float" => "float32",
        "double" => "float64",
        var name => name,
    };

    /// <summary>NumPy's name of <paramref name="elementType"/> (see <see cref="NumPyName(int)"/>).</summary>
    public static string NumPyName(TensorElementType elementType) => NumPyName((int)elementType);
}
