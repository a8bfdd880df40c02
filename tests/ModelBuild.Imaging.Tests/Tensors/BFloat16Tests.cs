using ModelBuild.Tensors;

namespace ModelBuild.Imaging.Tests.Tensors;

public sealed class BFloat16Tests
{
    [Theory]
    [InlineData(0x3F800000u, (ushort)0x3F80)] // 1.0 exactly
    [InlineData(0x3DCCCCCDu, (ushort)0x3DCD)] // 0.1f rounds up
    [InlineData(0x3F808000u, (ushort)0x3F80)] // a tie rounds to the even 0x3F80
    [InlineData(0x3F818000u, (ushort)0x3F82)] // a tie rounds to the even 0x3F82
    [InlineData(0x3F807FFFu, (ushort)0x3F80)] // just below a tie rounds down
    [InlineData(0xBF808001u, (ushort)0xBF81)] // just above a tie rounds up, sign kept
    [InlineData(0x7F800000u, (ushort)0x7F80)] // +infinity
    [InlineData(0x7F7FFFFFu, (ushort)0x7F80)] // float.MaxValue overflows to infinity
    [InlineData(0x80000000u, (ushort)0x8000)] // -0
    public void Float_rounds_to_nearest_even(uint floatBits, ushort expected)
    {
        Assert.Equal(expected, BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(floatBits)).RawValue);
    }

    [Fact]
    public void NaN_stays_NaN_with_its_sign_even_when_the_payload_is_in_the_low_bits()
    {
        var lowPayload = BitConverter.UInt32BitsToSingle(0x7F800001u);
        var negative = BitConverter.UInt32BitsToSingle(0xFFC00000u);

        Assert.True(float.IsNaN(BFloat16.FromSingle(lowPayload).ToSingle()));
        Assert.True(float.IsNaN(BFloat16.FromSingle(negative).ToSingle()));
        Assert.Equal(0x8000, BFloat16.FromSingle(negative).RawValue & 0x8000);
    }

    [Fact]
    public void Conversion_to_float_is_exact_and_equality_is_numeric()
    {
        var value = BFloat16.FromBits(0x4049); // 3.140625

        Assert.Equal(3.140625f, (float)value);
        Assert.Equal(BFloat16.FromBits(0x0000), BFloat16.FromBits(0x8000)); // +0 equals -0
        Assert.True(BFloat16.FromBits(0x0000) == BFloat16.FromBits(0x8000));
        Assert.False(BFloat16.FromBits(0x7FC0) == BFloat16.FromBits(0x7FC0)); // NaN is not == NaN
        Assert.True(BFloat16.FromBits(0x7FC0).Equals(BFloat16.FromBits(0x7FC0))); // but Equals says equal, like float
        Assert.Equal("3.140625", value.ToString());
    }
}
