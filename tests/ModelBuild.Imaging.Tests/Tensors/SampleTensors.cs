using ModelBuild.Tensors;

namespace ModelBuild.Imaging.Tests;

/// <summary>Tensors with telling values (extremes, negatives, fractions) for every element type.</summary>
internal static class SampleTensors
{
    public static readonly TensorElementType[] AllTypes =
    [
        TensorElementType.Float, TensorElementType.Double, TensorElementType.Float16, TensorElementType.BFloat16,
        TensorElementType.Int8, TensorElementType.UInt8, TensorElementType.Int16, TensorElementType.UInt16,
        TensorElementType.Int32, TensorElementType.UInt32, TensorElementType.Int64, TensorElementType.UInt64,
        TensorElementType.Bool, TensorElementType.String,
    ];

    public static Tensor Create(TensorElementType type, long[] shape)
    {
        var count = (int)shape.Aggregate(1L, (a, b) => a * b);
        return type switch
        {
            TensorElementType.Float => Tensor.Create(Take(count, -1.5f, 0f, 3.25f, float.MaxValue, -float.Epsilon, 1e-20f), shape),
            TensorElementType.Double => Tensor.Create(Take(count, -1.5, 0.0, Math.PI, double.MaxValue, -double.Epsilon, 1e300), shape),
            TensorElementType.Float16 => Tensor.Create(
                Take(count, (Half)(-1.5f), (Half)0f, (Half)3.25f, Half.MaxValue, -Half.Epsilon, (Half)0.1f),
                shape),
            TensorElementType.BFloat16 => Tensor.Create(
                Take(count, (BFloat16)(-1.5f), (BFloat16)0f, (BFloat16)3.25f, (BFloat16)3e38f, (BFloat16)(-1e-30f), (BFloat16)0.1f),
                shape),
            TensorElementType.Int8 => Tensor.Create(Take<sbyte>(count, sbyte.MinValue, -1, 0, 1, 42, sbyte.MaxValue), shape),
            TensorElementType.UInt8 => Tensor.Create(Take<byte>(count, 0, 1, 127, 128, 200, byte.MaxValue), shape),
            TensorElementType.Int16 => Tensor.Create(Take<short>(count, short.MinValue, -1, 0, 1, 1234, short.MaxValue), shape),
            TensorElementType.UInt16 => Tensor.Create(Take<ushort>(count, 0, 1, 1234, 32768, 40000, ushort.MaxValue), shape),
            TensorElementType.Int32 => Tensor.Create(Take(count, int.MinValue, -1, 0, 1, 123456, int.MaxValue), shape),
            TensorElementType.UInt32 => Tensor.Create(Take(count, 0u, 1u, 123456u, 2147483648u, 3000000000u, uint.MaxValue), shape),
            TensorElementType.Int64 => Tensor.Create(Take(count, -(1L << 53), -1L, 0L, 1L, 1L << 40, 1L << 53), shape),
            TensorElementType.UInt64 => Tensor.Create(Take(count, 0ul, 1ul, 1ul << 40, 1ul << 53, 1ul << 52, 12345ul), shape),
            TensorElementType.Bool => Tensor.Create(Take(count, true, false, false, true, true, false), shape),
            TensorElementType.String => Tensor.Create(Take(count, "", "hello", "naïve café", "日本語", "emoji 🎉", "tab\tnew\nline"), shape),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }

    /// <summary>The values as doubles, the way ONNX Cast(to=DOUBLE) converts them.</summary>
    public static double[] AsDoubles(Tensor tensor) => tensor.ElementType switch
    {
        TensorElementType.Float => tensor.ToArray<float>().Select(v => (double)v).ToArray(),
        TensorElementType.Double => tensor.ToArray<double>(),
        TensorElementType.Float16 => tensor.ToArray<Half>().Select(v => (double)v).ToArray(),
        TensorElementType.BFloat16 => tensor.ToArray<BFloat16>().Select(v => (double)v.ToSingle()).ToArray(),
        TensorElementType.Int8 => tensor.ToArray<sbyte>().Select(v => (double)v).ToArray(),
        TensorElementType.UInt8 => tensor.ToArray<byte>().Select(v => (double)v).ToArray(),
        TensorElementType.Int16 => tensor.ToArray<short>().Select(v => (double)v).ToArray(),
        TensorElementType.UInt16 => tensor.ToArray<ushort>().Select(v => (double)v).ToArray(),
        TensorElementType.Int32 => tensor.ToArray<int>().Select(v => (double)v).ToArray(),
        TensorElementType.UInt32 => tensor.ToArray<uint>().Select(v => (double)v).ToArray(),
        TensorElementType.Int64 => tensor.ToArray<long>().Select(v => (double)v).ToArray(),
        TensorElementType.UInt64 => tensor.ToArray<ulong>().Select(v => (double)v).ToArray(),
        TensorElementType.Bool => tensor.ToArray<bool>().Select(v => v ? 1.0 : 0.0).ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(tensor)),
    };

    private static T[] Take<T>(int count, params T[] values) =>
        Enumerable.Range(0, count).Select(i => values[i % values.Length]).ToArray();
}
