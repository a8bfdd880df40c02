using Google.Protobuf.Reflection;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Onnx;

/// <summary>Names of ONNX tensor element types (the <c>TensorProto.DataType</c> numbers).</summary>
public static class OnnxElementType
{
    private static readonly EnumDescriptor DataTypes = TensorProto.Descriptor.FindDescriptor<EnumDescriptor>("DataType");

    /// <summary>
    /// The specification's lower-case name (<c>float</c>, <c>uint8</c>, <c>float16</c>), or
    /// <c>type N</c> for a number newer than the schema compiled in.
    /// </summary>
    public static string Name(int elementType)
    {
        var value = DataTypes.FindValueByNumber(elementType);
        return value is null ? $"type {elementType}" : value.Name.ToLowerInvariant();
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
