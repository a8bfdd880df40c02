using Google.Protobuf.Reflection;
using ModelBuild.Core.Onnx.Proto;

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
}
