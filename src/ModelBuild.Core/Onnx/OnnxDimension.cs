using System.Globalization;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Onnx;

/// <summary>
/// One dimension of a tensor shape: a fixed size, a named (symbolic) size such as <c>batch</c>,
/// or unknown. Converts implicitly from <see cref="long"/> and <see cref="string"/>, so shapes
/// read as <c>("batch", 3, 224, 224)</c>.
/// </summary>
public readonly record struct OnnxDimension
{
    private OnnxDimension(long? value, string? name)
    {
        Value = value;
        Name = name;
    }

    /// <summary>The size when the dimension is fixed.</summary>
    public long? Value { get; }

    /// <summary>The dimension variable's name when the dimension is symbolic.</summary>
    public string? Name { get; }

    public bool IsFixed => Value is not null;

    public bool IsSymbolic => Name is not null;

    public bool IsUnknown => Value is null && Name is null;

    /// <summary>A dimension of neither a size nor a name: unrelated to every other unknown dimension.</summary>
    public static OnnxDimension Unknown => default;

    public static OnnxDimension Fixed(long value) =>
        value >= 0
            ? new(value, null)
            : throw new ArgumentOutOfRangeException(nameof(value), value, "A fixed dimension cannot be negative.");

    public static OnnxDimension Symbolic(string name) =>
        string.IsNullOrEmpty(name) ? throw new ArgumentException("A dimension variable needs a name.", nameof(name)) : new(null, name);

    public static implicit operator OnnxDimension(long value) => Fixed(value);

    public static implicit operator OnnxDimension(string name) => Symbolic(name);

    /// <summary>Named alternative to the implicit conversion from <see cref="long"/>.</summary>
    public static OnnxDimension FromInt64(long value) => Fixed(value);

    /// <summary>Named alternative to the implicit conversion from <see cref="string"/>.</summary>
    public static OnnxDimension FromString(string name) => Symbolic(name);

    /// <summary><c>3</c>, <c>batch</c> or <c>?</c>.</summary>
    public override string ToString() => Value?.ToString(CultureInfo.InvariantCulture) ?? Name ?? "?";

    /// <summary>
    /// Reads a protobuf dimension. Some exporters write <c>dim_value: -1</c> or an empty
    /// <c>dim_param</c> for "unknown"; both are read as <see cref="Unknown"/>.
    /// </summary>
    public static OnnxDimension FromProto(TensorShapeProto.Types.Dimension dimension)
    {
        ArgumentNullException.ThrowIfNull(dimension);
        return dimension.ValueCase switch
        {
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue when dimension.DimValue >= 0 => Fixed(dimension.DimValue),
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam when dimension.DimParam.Length > 0 => Symbolic(dimension.DimParam),
            _ => Unknown,
        };
    }

    /// <summary>The protobuf form; <paramref name="denotation"/> is kept when given.</summary>
    public TensorShapeProto.Types.Dimension ToProto(string? denotation = null)
    {
        var dimension = new TensorShapeProto.Types.Dimension();
        if (Value is { } value)
        {
            dimension.DimValue = value;
        }
        else if (Name is { } name)
        {
            dimension.DimParam = name;
        }

        if (!string.IsNullOrEmpty(denotation))
        {
            dimension.Denotation = denotation;
        }

        return dimension;
    }
}
