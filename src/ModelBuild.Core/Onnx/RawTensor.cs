using System.Buffers.Binary;
using Google.Protobuf;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Onnx;

/// <summary>
/// Small constant tensors for models built in code, stored as little-endian <c>raw_data</c>
/// (what exporters write) whatever the machine's byte order.
/// </summary>
internal static class RawTensor
{
    public static TensorProto Create(string name, ReadOnlySpan<float> values, ReadOnlySpan<long> dims)
    {
        var bytes = new byte[checked(values.Length * sizeof(float))];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return Create(name, TensorProto.Types.DataType.Float, values.Length, bytes, dims);
    }

    public static TensorProto Create(string name, ReadOnlySpan<long> values, ReadOnlySpan<long> dims)
    {
        var bytes = new byte[checked(values.Length * sizeof(long))];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        }

        return Create(name, TensorProto.Types.DataType.Int64, values.Length, bytes, dims);
    }

    private static TensorProto Create(string name, TensorProto.Types.DataType type, int count, byte[] bytes, ReadOnlySpan<long> dims)
    {
        long elements = 1;
        foreach (var dim in dims)
        {
            elements = dim >= 0
                ? checked(elements * dim)
                : throw new ArgumentException($"Tensor '{name}' has a negative dimension.", nameof(dims));
        }

        if (elements != count)
        {
            throw new ArgumentException(
                $"Tensor '{name}' has {count} values but its dimensions [{string.Join(", ", dims.ToArray())}] hold {elements}.",
                nameof(dims));
        }

        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = UnsafeByteOperations.UnsafeWrap(bytes) };
        tensor.Dims.AddRange(dims.ToArray());
        return tensor;
    }
}
