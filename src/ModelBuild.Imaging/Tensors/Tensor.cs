using System.Collections.ObjectModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelBuild.Tensors;

/// <summary>
/// A dense tensor in C (row-major) order that owns its data: an element type, a shape and the elements.
/// Immutable: factories copy what they are given and readers hand out read-only views or copies.
/// Numeric elements are kept as little-endian bytes, the layout ONNX, ONNX Runtime and numpy use.
/// </summary>
public sealed class Tensor
{
    private readonly long[] _shape;
    private readonly byte[] _bytes;
    private readonly string[] _strings;

    private Tensor(TensorElementType elementType, long[] shape, long elementCount, byte[] bytes, string[] strings)
    {
        ElementType = elementType;
        _shape = shape;
        ElementCount = elementCount;
        _bytes = bytes;
        _strings = strings;
        Shape = new ReadOnlyCollection<long>(shape);
    }

    /// <summary>The type of every element.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>The dimensions, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The number of elements: the product of the dimensions (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The size of the element data in bytes (0 for string tensors).</summary>
    public long ByteCount => _bytes.LongLength;

    internal ReadOnlySpan<long> Dimensions => _shape;

    internal byte[] RawBytes => _bytes;

    internal string[] RawStrings => _strings;

    /// <summary>Creates a tensor from a copy of <paramref name="values"/> laid out in C order.</summary>
    /// <typeparam name="T">One of the element types' .NET types (<see cref="float"/>, <see cref="long"/>, <see cref="Half"/>, <see
    /// cref="BFloat16"/>...).</typeparam>
    /// <exception cref="ArgumentException">The type has no ONNX element type, a dimension is negative, or the count does not match the
    /// shape.</exception>
    public static Tensor Create<T>(T[] values, ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(values);
        return Create((ReadOnlySpan<T>)values, shape);
    }

    /// <summary>Creates a tensor from a copy of <paramref name="values"/> laid out in C order.</summary>
    /// <exception cref="ArgumentException">The type has no ONNX element type, a dimension is negative, or the count does not match the
    /// shape.</exception>
    public static Tensor Create<T>(ReadOnlySpan<T> values, ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        var elementType = TensorElementTypes.FromClrType(typeof(T));
        if (elementType == TensorElementType.Undefined)
        {
            throw new CodedArgumentException(RuntimeDiagnostics.UnsupportedClrType(typeof(T)), nameof(values));
        }

        var dims = ValidateShape(shape, values.Length, elementType);
        var bytes = MemoryMarshal.AsBytes(values).ToArray();
        if (elementType == TensorElementType.Bool)
        {
            NormalizeBooleans(bytes);
        }

        return new Tensor(elementType, dims, values.Length, bytes, []);
    }

    /// <summary>Creates a string tensor from a copy of <paramref name="values"/> laid out in C order.</summary>
    /// <exception cref="ArgumentException">A value is null, a dimension is negative, or the count does not match the shape.</exception>
    public static Tensor Create(string[] values, ReadOnlySpan<long> shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (Array.IndexOf(values, null) is var nullAt and >= 0)
        {
            throw new CodedArgumentException(RuntimeDiagnostics.NullString(nullAt), nameof(values));
        }

        var dims = ValidateShape(shape, values.Length, TensorElementType.String);
        return new Tensor(TensorElementType.String, dims, values.Length, [], (string[])values.Clone());
    }

    /// <summary>
    /// Creates a numeric tensor from a copy of little-endian element bytes (the layout of ONNX <c>raw_data</c>
    /// and of numpy's <c>&lt;</c> dtypes). Boolean bytes other than 0 read as <c>true</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The type is a string or unsupported type, or the byte count does not match the
    /// shape.</exception>
    public static Tensor FromBytes(TensorElementType elementType, ReadOnlySpan<byte> data, ReadOnlySpan<long> shape)
    {
        var size = TensorElementTypes.SizeOf(elementType);
        if (size == 0)
        {
            throw new CodedArgumentException(RuntimeDiagnostics.NotANumericType(elementType), nameof(elementType));
        }

        if (data.Length % size != 0)
        {
            throw new CodedArgumentException(
                RuntimeDiagnostics.ByteCountMismatch(data.Length, elementType, FormatShape(shape)),
                nameof(data));
        }

        var count = data.Length / size;
        var dims = ValidateShape(shape, count, elementType);
        var bytes = data.ToArray();
        if (elementType == TensorElementType.Bool)
        {
            NormalizeBooleans(bytes);
        }

        return new Tensor(elementType, dims, count, bytes, []);
    }

    /// <summary>Wraps bytes the caller has just allocated and hands over; no copy.</summary>
    internal static Tensor WrapBytes(TensorElementType elementType, long[] shape, long count, byte[] bytes) =>
        new(elementType, shape, count, bytes, []);

    /// <summary>Wraps strings the caller has just allocated and hands over; no copy.</summary>
    internal static Tensor WrapStrings(long[] shape, string[] strings) =>
        new(TensorElementType.String, shape, strings.Length, [], strings);

    /// <summary>A copy of the elements in C order.</summary>
    /// <typeparam name="T">The .NET type of <see cref="ElementType"/> (<see cref="string"/> for string tensors).</typeparam>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not the element type's .NET type.</exception>
    public T[] ToArray<T>()
    {
        CheckElementType(typeof(T));
        if (ElementType == TensorElementType.String)
        {
            return (T[])_strings.Clone();
        }

        // T was checked to be the element type's unmanaged .NET type, so a byte view of the array is sound.
        var result = new T[ElementCount];
        var destination = MemoryMarshal.CreateSpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetArrayDataReference(result)), _bytes.Length);
        _bytes.AsSpan().CopyTo(destination);
        return result;
    }

    /// <summary>A read-only view of the elements in C order, without copying.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not the element type's .NET type.</exception>
    public ReadOnlySpan<T> AsSpan<T>()
        where T : unmanaged
    {
        CheckElementType(typeof(T));
        return MemoryMarshal.Cast<byte, T>(_bytes);
    }

    /// <summary>The element data as little-endian bytes, without copying.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds strings.</exception>
    public ReadOnlySpan<byte> AsBytes()
    {
        if (ElementType == TensorElementType.String)
        {
            throw new CodedOperationException(RuntimeDiagnostics.NotANumericType(ElementType));
        }

        return _bytes;
    }

    /// <summary>The element type and shape, e.g. <c>float32[1,3,48,192]</c>.</summary>
    public override string ToString() => TensorElementTypes.Name(ElementType) + FormatShape(_shape);

    internal static string FormatShape(ReadOnlySpan<long> shape)
    {
        var parts = new string[shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(",", parts) + "]";
    }

    private void CheckElementType(Type requested)
    {
        if (TensorElementTypes.ClrType(ElementType) != requested)
        {
            throw new CodedOperationException(RuntimeDiagnostics.ElementTypeMismatch(ElementType, requested));
        }
    }

    private static long[] ValidateShape(ReadOnlySpan<long> shape, long count, TensorElementType elementType)
    {
        long product = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
            {
                throw new CodedArgumentException(RuntimeDiagnostics.NegativeDimension(FormatShape(shape)), nameof(shape));
            }

            product = product > 0 && dim > long.MaxValue / product ? -1 : product * dim;
            if (product < 0)
            {
                throw new CodedArgumentException(
                    RuntimeDiagnostics.ElementCountMismatch(count, elementType, FormatShape(shape)),
                    nameof(shape));
            }
        }

        if (product != count)
        {
            throw new CodedArgumentException(
                RuntimeDiagnostics.ElementCountMismatch(count, elementType, FormatShape(shape)),
                nameof(shape));
        }

        return shape.ToArray();
    }

    private static void NormalizeBooleans(Span<byte> bytes)
    {
        // ONNX Runtime and numpy store bool as one byte 0 or 1; anything else is not a valid bool.
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = bytes[i] == 0 ? (byte)0 : (byte)1;
        }
    }
}
