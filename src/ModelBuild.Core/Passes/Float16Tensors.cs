using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Passes;

/// <summary>
/// float32 → float16 for constants, with the reference converters' clamping: finite values beyond
/// ±65504 become ±65504 and non-zero magnitudes below 5.96e-8 (the smallest float16 subnormal) become
/// ±5.96e-8, so nothing turns into an infinity or a zero that was not one; 0, NaN and ±∞ are unchanged.
/// </summary>
internal static class Float16Tensors
{
    /// <summary>The largest finite float16.</summary>
    public const float MaxFinite = 65504f;

    /// <summary>The smallest positive float16 (a subnormal, 2⁻²⁴).</summary>
    public const float MinPositive = 5.96e-08f;

    /// <summary>One value converted with clamping.</summary>
    public static Half Convert(float value)
    {
        if (value == 0 || !float.IsFinite(value))
        {
            return (Half)value;
        }

        var magnitude = MathF.Abs(value);
        if (magnitude < MinPositive)
        {
            return (Half)MathF.CopySign(MinPositive, value);
        }

        return magnitude > MaxFinite ? (Half)MathF.CopySign(MaxFinite, value) : (Half)value;
    }

    /// <summary>Little-endian float32 bytes to little-endian float16 bytes.</summary>
    public static byte[] Convert(ReadOnlySpan<byte> float32)
    {
        var count = float32.Length / sizeof(float);
        var result = GC.AllocateUninitializedArray<byte>(count * 2);
        var halves = MemoryMarshal.Cast<byte, ushort>(result.AsSpan());
        if (BitConverter.IsLittleEndian)
        {
            var floats = MemoryMarshal.Cast<byte, float>(float32[..(count * sizeof(float))]);
            for (var i = 0; i < floats.Length; i++)
            {
                halves[i] = BitConverter.HalfToUInt16Bits(Convert(floats[i]));
            }
        }
        else
        {
            for (var i = 0; i < count; i++)
            {
                var bits = BitConverter.HalfToUInt16Bits(Convert(BinaryPrimitives.ReadSingleLittleEndian(float32[(i * 4)..])));
                BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(i * 2), bits);
            }
        }

        return result;
    }

    /// <summary>True when the tensor holds float32 data.</summary>
    public static bool IsFloat32(TensorProto tensor) => tensor.DataType == (int)TensorProto.Types.DataType.Float;

    /// <summary>Converts a float32 tensor to float16 in place (its data ends up in <c>raw_data</c>); other tensors are left
    /// alone.</summary>
    public static void ConvertInPlace(TensorProto tensor)
    {
        if (!IsFloat32(tensor))
        {
            return;
        }

        byte[] halves;
        if (tensor.HasRawData)
        {
            halves = Convert(tensor.RawData.Span);
        }
        else
        {
            var values = tensor.FloatData;
            halves = new byte[values.Count * 2];
            for (var i = 0; i < values.Count; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(halves.AsSpan(i * 2), BitConverter.HalfToUInt16Bits(Convert(values[i])));
            }

            tensor.FloatData.Clear();
        }

        tensor.DataType = (int)TensorProto.Types.DataType.Float16;
        tensor.RawData = UnsafeByteOperations.UnsafeWrap(halves);
    }

    /// <summary>A float16 copy of a float32 tensor under another name.</summary>
    public static TensorProto ConvertedCopy(TensorProto tensor, string name)
    {
        var copy = tensor.Clone();
        copy.Name = name;
        ConvertInPlace(copy);
        return copy;
    }
}
