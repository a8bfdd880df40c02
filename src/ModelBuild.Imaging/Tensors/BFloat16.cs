using System.Globalization;

namespace ModelBuild.Tensors;

/// <summary>
/// A brain float: sign, 8 exponent bits and 7 mantissa bits, i.e. the upper half of a 32-bit float.
/// The BCL has no such type; this one only stores, converts and compares.
/// </summary>
public readonly struct BFloat16 : IEquatable<BFloat16>
{
    private BFloat16(ushort bits) => RawValue = bits;

    /// <summary>The 16-bit pattern as stored in tensors.</summary>
    public ushort RawValue { get; }

    /// <summary>Wraps a 16-bit pattern without conversion.</summary>
    public static BFloat16 FromBits(ushort bits) => new(bits);

    /// <summary>Rounds a float to the nearest bfloat16 (ties to even); NaN stays NaN with its sign.</summary>
    public static BFloat16 FromSingle(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            // Keep the sign and make sure the truncated mantissa still marks a (quiet) NaN.
            return new BFloat16((ushort)((bits >> 16) | 0x0040));
        }

        var roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return new BFloat16((ushort)((bits + roundingBias) >> 16));
    }

    /// <summary>The exact float value of this bfloat16.</summary>
    public float ToSingle() => BitConverter.UInt32BitsToSingle((uint)RawValue << 16);

    /// <summary>Rounds a float to the nearest bfloat16.</summary>
    public static explicit operator BFloat16(float value) => FromSingle(value);

    /// <summary>The exact float value of a bfloat16.</summary>
    public static explicit operator float(BFloat16 value) => value.ToSingle();

    /// <summary>Numeric equality: NaN is not equal to NaN, +0 equals -0 (as for <see cref="float"/>).</summary>
    public static bool operator ==(BFloat16 left, BFloat16 right) => left.ToSingle() == right.ToSingle();

    /// <summary>Numeric inequality (see <see cref="op_Equality"/>).</summary>
    public static bool operator !=(BFloat16 left, BFloat16 right) => !(left == right);

    /// <summary>Equality as <see cref="float.Equals(float)"/>: NaN equals NaN, +0 equals -0.</summary>
    public bool Equals(BFloat16 other) => ToSingle().Equals(other.ToSingle());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => ToSingle().GetHashCode();

    /// <summary>The value as a float, in the invariant culture.</summary>
    public override string ToString() => ToSingle().ToString(CultureInfo.InvariantCulture);
}
