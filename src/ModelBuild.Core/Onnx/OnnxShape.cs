using System.Collections.Immutable;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Onnx;

/// <summary>The dimensions of a tensor of known rank, compared by value.</summary>
public sealed record OnnxShape
{
    public OnnxShape(IEnumerable<OnnxDimension> dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        Dimensions = [.. dimensions];
    }

    public ImmutableArray<OnnxDimension> Dimensions { get; }

    public int Rank => Dimensions.Length;

    public OnnxDimension this[int axis] => Dimensions[axis];

    /// <summary>True when every dimension has a fixed size.</summary>
    public bool IsFullyFixed => Dimensions.All(d => d.IsFixed);

    public static OnnxShape Of(params OnnxDimension[] dimensions) => new(dimensions);

    public static OnnxShape FromProto(TensorShapeProto shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return new(shape.Dim.Select(OnnxDimension.FromProto));
    }

    public TensorShapeProto ToProto()
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(Dimensions.Select(d => d.ToProto()));
        return shape;
    }

    public bool Equals(OnnxShape? other) =>
        other is not null && Dimensions.AsSpan().SequenceEqual(other.Dimensions.AsSpan());

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var dimension in Dimensions)
        {
            hash.Add(dimension);
        }

        return hash.ToHashCode();
    }

    /// <summary><c>[batch, 3, 48, ?]</c>: fixed sizes, dimension variable names, and <c>?</c> for unknown.</summary>
    public override string ToString() => "[" + string.Join(", ", Dimensions) + "]";
}
