using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Onnx;

/// <summary>What kind of value a graph input or output carries.</summary>
public enum OnnxValueKind
{
    /// <summary>The model declares no type.</summary>
    Unspecified,
    Tensor,
    SparseTensor,
    Sequence,
    Map,
    Optional,
    Opaque,
}

/// <summary>How messages name an <see cref="OnnxValueKind"/>.</summary>
public static class OnnxValueKinds
{
    /// <summary><c>tensor</c>, <c>sparse tensor</c>, <c>sequence</c>..., or <c>value of no declared type</c>.</summary>
    public static string Name(OnnxValueKind kind) => kind switch
    {
        OnnxValueKind.SparseTensor => "sparse tensor",
        OnnxValueKind.Unspecified => "value of no declared type",
        _ => kind.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// A graph input or output: its name, kind, element type (<see cref="TensorElementType.Undefined"/> when not a tensor)
/// and shape (null when the rank is unknown or the value is not a tensor).
/// </summary>
public sealed record OnnxValueInfo(string Name, OnnxValueKind Kind, TensorElementType ElementType, OnnxShape? Shape)
{
    /// <summary>The element type's name, e.g. <c>float</c>.</summary>
    public string ElementTypeName => OnnxElementType.Name(ElementType);

    public static OnnxValueInfo FromProto(ValueInfoProto value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var type = value.Type;
        return type?.ValueCase switch
        {
            TypeProto.ValueOneofCase.TensorType => new(
                value.Name,
                OnnxValueKind.Tensor,
                OnnxElementType.FromProto(type.TensorType.ElemType),
                type.TensorType.Shape is { } shape ? OnnxShape.FromProto(shape) : null),
            TypeProto.ValueOneofCase.SparseTensorType => new(
                value.Name,
                OnnxValueKind.SparseTensor,
                OnnxElementType.FromProto(type.SparseTensorType.ElemType),
                type.SparseTensorType.Shape is { } shape ? OnnxShape.FromProto(shape) : null),
            TypeProto.ValueOneofCase.SequenceType => new(value.Name, OnnxValueKind.Sequence, TensorElementType.Undefined, null),
            TypeProto.ValueOneofCase.MapType => new(value.Name, OnnxValueKind.Map, TensorElementType.Undefined, null),
            TypeProto.ValueOneofCase.OptionalType => new(value.Name, OnnxValueKind.Optional, TensorElementType.Undefined, null),
            TypeProto.ValueOneofCase.OpaqueType => new(value.Name, OnnxValueKind.Opaque, TensorElementType.Undefined, null),
            _ => new(value.Name, OnnxValueKind.Unspecified, TensorElementType.Undefined, null),
        };
    }
}
