using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Pipeline;

/// <summary>The ONNX element type of a manifest <c>data_type</c> and back; the fixed-point types have none.</summary>
internal static class ManifestElementTypes
{
    public static int? ToOnnx(TensorDataType type) => type switch
    {
        TensorDataType.Float32 => (int)TensorProto.Types.DataType.Float,
        TensorDataType.Float16 => (int)TensorProto.Types.DataType.Float16,
        TensorDataType.BFloat16 => (int)TensorProto.Types.DataType.Bfloat16,
        TensorDataType.Float64 => (int)TensorProto.Types.DataType.Double,
        TensorDataType.Int4 => (int)TensorProto.Types.DataType.Int4,
        TensorDataType.Int8 => (int)TensorProto.Types.DataType.Int8,
        TensorDataType.Int16 => (int)TensorProto.Types.DataType.Int16,
        TensorDataType.Int32 => (int)TensorProto.Types.DataType.Int32,
        TensorDataType.Int64 => (int)TensorProto.Types.DataType.Int64,
        TensorDataType.UInt4 => (int)TensorProto.Types.DataType.Uint4,
        TensorDataType.UInt8 => (int)TensorProto.Types.DataType.Uint8,
        TensorDataType.UInt16 => (int)TensorProto.Types.DataType.Uint16,
        TensorDataType.UInt32 => (int)TensorProto.Types.DataType.Uint32,
        TensorDataType.UInt64 => (int)TensorProto.Types.DataType.Uint64,
        TensorDataType.Boolean => (int)TensorProto.Types.DataType.Bool,
        TensorDataType.Text => (int)TensorProto.Types.DataType.String,
        _ => null,
    };

    /// <summary>The manifest's name for an ONNX element type; null for types a manifest cannot name.</summary>
    public static TensorDataType? FromOnnx(int type) =>
        Enum.GetValues<TensorDataType>().Cast<TensorDataType?>().FirstOrDefault(t => ToOnnx(t!.Value) == type);
}
