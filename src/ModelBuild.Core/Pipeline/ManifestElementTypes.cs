using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Pipeline;

/// <summary>The ONNX element type of a manifest <c>data_type</c> and back; the fixed-point types have none.</summary>
internal static class ManifestElementTypes
{
    public static TensorElementType? ToOnnx(TensorDataType type) => type switch
    {
        TensorDataType.Float32 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Float),
        TensorDataType.Float16 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Float16),
        TensorDataType.BFloat16 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Bfloat16),
        TensorDataType.Float64 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Double),
        TensorDataType.Int4 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Int4),
        TensorDataType.Int8 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Int8),
        TensorDataType.Int16 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Int16),
        TensorDataType.Int32 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Int32),
        TensorDataType.Int64 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Int64),
        TensorDataType.UInt4 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Uint4),
        TensorDataType.UInt8 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Uint8),
        TensorDataType.UInt16 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Uint16),
        TensorDataType.UInt32 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Uint32),
        TensorDataType.UInt64 => OnnxElementType.FromDataType(TensorProto.Types.DataType.Uint64),
        TensorDataType.Boolean => OnnxElementType.FromDataType(TensorProto.Types.DataType.Bool),
        TensorDataType.Text => OnnxElementType.FromDataType(TensorProto.Types.DataType.String),
        _ => null,
    };

    /// <summary>The manifest's name for an ONNX element type; null for types a manifest cannot name.</summary>
    public static TensorDataType? FromOnnx(TensorElementType type) =>
        Enum.GetValues<TensorDataType>().Cast<TensorDataType?>().FirstOrDefault(t => ToOnnx(t!.Value) == type);
}
