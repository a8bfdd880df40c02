using System.Globalization;
using ModelBuild.Core.Onnx;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Sessions;

/// <summary>What a model input or output is, as ONNX Runtime reports it: name, kind, element type and shape.</summary>
public sealed record TensorInfo
{
    /// <summary>The name, exactly as in the model.</summary>
    public required string Name { get; init; }

    /// <summary>The element type; <see cref="TensorElementType.Undefined"/> when <see cref="Kind"/> is not a tensor.</summary>
    public required TensorElementType ElementType { get; init; }

    /// <summary>The declared dimensions; -1 where a dimension is dynamic (symbolic or unknown).</summary>
    public required IReadOnlyList<long> Shape { get; init; }

    /// <summary>The symbolic name of each dimension (e.g. <c>batch</c>), or null where the model gives none.</summary>
    public required IReadOnlyList<string?> SymbolicShape { get; init; }

    /// <summary>
    /// False when the model declares no shape (then <see cref="Shape"/> is empty and any shape is accepted).
    /// ONNX Runtime's managed API reports "no shape" and "rank 0" alike, so a declared scalar counts as no shape.
    /// </summary>
    public bool HasShape { get; init; } = true;

    /// <summary>Whether this is a tensor or another kind of value (sequence, map, optional...).</summary>
    public OnnxValueKind Kind { get; init; } = OnnxValueKind.Tensor;

    /// <summary>The shape with symbolic names where the model has them, e.g. <c>[batch,3,48,-1]</c>; <c>(any shape)</c> without
    /// one.</summary>
    public string FormatShape()
    {
        if (!HasShape)
        {
            return "(any shape)";
        }

        var parts = new string[Shape.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = SymbolicShape[i] ?? Shape[i].ToString(CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(",", parts) + "]";
    }

    /// <summary>E.g. <c>x: float32[batch,3,48,192]</c>.</summary>
    public override string ToString() => Kind == OnnxValueKind.Tensor
        ? $"{Name}: {TensorElementTypes.Name(ElementType)}{(HasShape ? FormatShape() : " " + FormatShape())}"
        : $"{Name}: {OnnxValueKinds.Name(Kind)}";
}
