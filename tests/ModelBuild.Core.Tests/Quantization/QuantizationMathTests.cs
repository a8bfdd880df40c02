using ModelBuild.Core.Quantization;

namespace ModelBuild.Core.Tests.Quantization;

/// <summary>Scale, zero point and rounding against cases worked out by hand from ONNX Runtime's formulas (ANCHORS §3).</summary>
public sealed class QuantizationMathTests
{
    private static readonly QuantizedRange UInt8 = new(0, 255);
    private static readonly QuantizedRange SymmetricInt8 = new(-127, 127);

    [Theory]
    [InlineData(QuantizedType.UInt8, false, false, 0, 255)]
    [InlineData(QuantizedType.UInt8, false, true, 0, 127)]
    [InlineData(QuantizedType.Int8, false, false, -128, 127)]
    [InlineData(QuantizedType.Int8, true, false, -127, 127)]
    [InlineData(QuantizedType.Int8, true, true, -64, 64)]
    public void Integer_ranges_follow_type_symmetry_and_reduce_range(QuantizedType type, bool symmetric, bool reduceRange, int min, int max)
        =>
        Assert.Equal(new QuantizedRange(min, max), QuantizationMath.RangeOf(type, symmetric, reduceRange));

    [Fact]
    public void Asymmetric_uint8_maps_the_range_onto_0_255_with_a_rounded_zero_point()
    {
        // scale = (3 - (-1)) / 255; zero point = round(0 - (-1) / scale) = round(63.75) = 64.
        var parameters = QuantizationMath.Compute(-1f, 3f, UInt8, symmetric: false);

        Assert.Equal((float)(4.0 / 255), parameters.Scale);
        Assert.Equal(64, parameters.ZeroPoint);
    }

    [Fact]
    public void A_range_that_excludes_zero_is_widened_to_include_it()
    {
        // [2, 5] becomes [0, 5]: scale 5/255, zero point 0, so 0 stays exact.
        var parameters = QuantizationMath.Compute(2f, 5f, UInt8, symmetric: false);

        Assert.Equal((float)(5.0 / 255), parameters.Scale);
        Assert.Equal(0, parameters.ZeroPoint);
        Assert.Equal(0f, QuantizationMath.Dequantize(QuantizationMath.Quantize(0f, parameters, UInt8), parameters));
    }

    [Fact]
    public void Symmetric_int8_uses_the_larger_magnitude_and_zero_point_0()
    {
        // max(|-2|, |1|) = 2: [-2, 2] over [-127, 127], scale 4/254.
        var parameters = QuantizationMath.Compute(-2f, 1f, SymmetricInt8, symmetric: true);

        Assert.Equal((float)(4.0 / 254), parameters.Scale);
        Assert.Equal(0, parameters.ZeroPoint);
    }

    [Fact]
    public void Symmetric_uint8_puts_the_zero_point_in_the_middle_rounded_to_even()
    {
        // round((0 + 255) / 2) = round(127.5) = 128 (half to even).
        Assert.Equal(128, QuantizationMath.Compute(-1f, 1f, UInt8, symmetric: true).ZeroPoint);
    }

    [Theory]
    [InlineData(-0.5f, 254.5f, 0)]
    [InlineData(-1.5f, 253.5f, 2)]
    [InlineData(-2.5f, 252.5f, 2)]
    public void The_zero_point_rounds_half_to_even(float rmin, float rmax, int zeroPoint)
    {
        // scale = 255 / 255 = 1, so zero point = round(-rmin) exactly at a half.
        var parameters = QuantizationMath.Compute(rmin, rmax, UInt8, symmetric: false);

        Assert.Equal(1f, parameters.Scale);
        Assert.Equal(zeroPoint, parameters.ZeroPoint);
    }

    [Fact]
    public void An_all_zero_range_gets_scale_1_and_zero_point_0()
    {
        Assert.Equal(new QuantizationParameters(1f, 0), QuantizationMath.Compute(0f, 0f, UInt8, symmetric: false));
        Assert.Equal(new QuantizationParameters(1f, 0), QuantizationMath.Compute(0f, 0f, SymmetricInt8, symmetric: true));
    }

    [Theory]
    [InlineData(2.5f, 2)]
    [InlineData(3.5f, 4)]
    [InlineData(-2.5f, -2)]
    [InlineData(-3.5f, -4)]
    [InlineData(0.5f, 0)]
    [InlineData(1.4999999f, 1)]
    public void Values_round_half_to_even(float value, int expected)
    {
        var parameters = new QuantizationParameters(1f, 0);

        Assert.Equal(expected, QuantizationMath.Quantize(value, parameters, SymmetricInt8));
    }

    [Fact]
    public void Values_saturate_and_the_zero_point_is_added_after_rounding()
    {
        var parameters = new QuantizationParameters(0.5f, 10);

        // 1.25 / 0.5 = 2.5 → 2, + 10 = 12; far values clamp to the ends.
        Assert.Equal(12, QuantizationMath.Quantize(1.25f, parameters, UInt8));
        Assert.Equal(255, QuantizationMath.Quantize(1000f, parameters, UInt8));
        Assert.Equal(0, QuantizationMath.Quantize(-1000f, parameters, UInt8));
        Assert.Equal(1.0f, QuantizationMath.Dequantize(12, parameters));
    }

    [Fact]
    public void Bias_is_int32_at_input_scale_times_weight_scale_rounded_half_to_even()
    {
        var inputScale = 0.5f;
        var weightScale = 0.25f;
        var biasScale = inputScale * weightScale;

        // 0.3125 / 0.125 = 2.5 → 2; 0.4375 / 0.125 = 3.5 → 4; beyond int32 saturates.
        Assert.Equal(2, QuantizationMath.QuantizeBias(0.3125f, biasScale));
        Assert.Equal(4, QuantizationMath.QuantizeBias(0.4375f, biasScale));
        Assert.Equal(int.MaxValue, QuantizationMath.QuantizeBias(1e30f, biasScale));
    }

    [Fact]
    public void Seven_bit_weights_use_half_the_integer_range()
    {
        var range = QuantizationMath.RangeOf(QuantizedType.Int8, symmetric: true, reduceRange: true);
        var parameters = QuantizationMath.Compute(-1f, 1f, range, symmetric: true);

        Assert.Equal((float)(2.0 / 128), parameters.Scale);
        Assert.Equal(64, QuantizationMath.Quantize(1f, parameters, range));
    }
}
