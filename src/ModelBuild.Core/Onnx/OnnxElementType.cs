using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Onnx;

/// <summary>
/// ONNX's tensor element types (the <c>TensorProto.DataType</c> numbers) as <see cref="TensorElementType"/>: the one place a
/// protobuf number becomes the enum and back, and the names messages use.
/// </summary>
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
    /// The element type of a <c>TensorProto.DataType</c> number (<c>elem_type</c>, <c>data_type</c>). The numbering is the
    /// same; a number <see cref="TensorElementType"/> does not list (int4, float8...) keeps its value, so it is still named and
    /// compared, and <see cref="Tensor"/> rejects it where data must be read.
    /// </summary>
    public static TensorElementType FromProto(int dataType) => (TensorElementType)dataType;

    /// <summary>The <c>TensorProto.DataType</c> number of <paramref name="elementType"/>.</summary>
    public static int ToProto(TensorElementType elementType) => (int)elementType;

    /// <summary>The <c>TensorProto.DataType</c> of <paramref name="elementType"/>.</summary>
    public static TensorProto.Types.DataType ToDataType(TensorElementType elementType) => (TensorProto.Types.DataType)elementType;

    /// <summary>The element type of a <c>TensorProto.DataType</c>.</summary>
    public static TensorElementType FromDataType(TensorProto.Types.DataType dataType) => (TensorElementType)dataType;

    /// <summary>
    /// The specification's lower-case name (<c>float</c>, <c>uint8</c>, <c>float16</c>), or
    /// <c>type N</c> for a number newer than the schema compiled in.
    /// </summary>
    public static string Name(TensorElementType elementType)
    {
        var number = (int)elementType;
        return (uint)number < (uint)DataTypes.Length ? DataTypes[number] : $"type {number}";
    }

    /// <summary>
    /// The element type as apps see it: NumPy's name (<c>float32</c>, <c>float64</c>, <c>uint8</c>...), which .NET
    /// users also know from ONNX tooling.
    /// </summary>
    public static string NumPyName(TensorElementType elementType) => Name(elementType) switch
    {
        "float" => "float32",
        "double" => "float64",
        var name => name,
    };
}
