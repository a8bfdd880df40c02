namespace ModelBuild.Core.Quantization;

/// <summary>The integer interval a quantized tensor uses, e.g. [0, 255] or [-127, 127].</summary>
public readonly record struct QuantizedRange(int Min, int Max);

/// <summary>One scale and zero point: <c>real = (q − ZeroPoint) × Scale</c>.</summary>
public readonly record struct QuantizationParameters(float Scale, int ZeroPoint)
{
    /// <summary>The smallest and largest real value this grid represents over <paramref name="range"/>.</summary>
    public (double Low, double High) Representable(QuantizedRange range) =>
        ((double)(range.Min - ZeroPoint) * Scale, (double)(range.Max - ZeroPoint) * Scale);
}

/// <summary>
/// ONNX Runtime's quantization arithmetic (its <c>compute_scale_zp</c> and <c>quantize_nparray</c>), which the
/// ONNX QuantizeLinear specification matches: the range is widened to include 0; symmetric ranges become
/// ±max(|rmin|, |rmax|); <c>scale = (rmax − rmin) / (qmax − qmin)</c> in double, then stored as float32;
/// <c>zero_point = round(qmin − rmin / scale)</c> (symmetric: the middle of the integer range); rounding is half to even.
/// </summary>
public static class QuantizationMath
{
    // float32's smallest normal number, numpy's finfo(float32).tiny.
    private const double SmallestNormal = 1.1754943508222875e-38;

    /// <summary>The integer range of <paramref name="type"/>: uint8 [0, 255] (7 bits: [0, 127]); int8 [-128, 127],
    /// symmetric [-127, 127] (7 bits: [-64, 64]).</summary>
    public static QuantizedRange RangeOf(QuantizedType type, bool symmetric, bool reduceRange = false) => type switch
    {
        QuantizedType.UInt8 => reduceRange ? new(0, 127) : new(0, 255),
        _ when reduceRange => new(-64, 64),
        _ => symmetric ? new(-127, 127) : new(-128, 127),
    };

    /// <summary>The scale and zero point that map [<paramref name="rmin"/>, <paramref name="rmax"/>] onto <paramref
    /// name="range"/>.</summary>
    public static QuantizationParameters Compute(float rmin, float rmax, QuantizedRange range, bool symmetric)
    {
        rmin = Math.Min(rmin, 0f);
        rmax = Math.Max(rmax, 0f);
        if (symmetric)
        {
            var absolute = Math.Max(Math.Abs(rmin), Math.Abs(rmax));
            rmin = -absolute;
            rmax = absolute;
        }

        // The difference is taken in float32, as numpy does with float32 operands, and divided in double.
        var scale = (double)(rmax - rmin) / ((double)range.Max - range.Min);
        if (!(scale >= SmallestNormal) || double.IsInfinity(scale))
        {
            // An all-zero (or unusable) range: scale 1 and zero point 0, as ONNX Runtime.
            return new QuantizationParameters(1f, Math.Clamp(0, range.Min, range.Max));
        }

        var zeroPoint = symmetric ? Middle(range) : (int)Math.Round(range.Min - (rmin / scale), MidpointRounding.ToEven);
        return new QuantizationParameters((float)scale, Math.Clamp(zeroPoint, range.Min, range.Max));
    }

    /// <summary><c>saturate(round(x / scale) + zero_point)</c> with float32 division and half-to-even rounding.</summary>
    public static int Quantize(float value, QuantizationParameters parameters, QuantizedRange range)
    {
        var scaled = MathF.Round(value / parameters.Scale, MidpointRounding.ToEven) + parameters.ZeroPoint;
        return float.IsNaN(scaled) ? parameters.ZeroPoint : (int)Math.Clamp(scaled, range.Min, range.Max);
    }

    /// <summary><c>(q − zero_point) × scale</c>, what DequantizeLinear computes.</summary>
    public static float Dequantize(int value, QuantizationParameters parameters) => (value - parameters.ZeroPoint) * parameters.Scale;

    /// <summary>
    /// A bias as int32 with zero point 0 and scale <c>input_scale × weight_scale</c> (float32 product):
    /// <c>round(bias / scale)</c> in double, saturated to int32.
    /// </summary>
    public static int QuantizeBias(float bias, float scale)
    {
        var scaled = Math.Round((double)bias / scale, MidpointRounding.ToEven);
        return double.IsNaN(scaled) ? 0 : (int)Math.Clamp(scaled, int.MinValue, int.MaxValue);
    }

    // round((qmin + qmax) / 2), half to even: 0 for [-127, 127], 128 for [0, 255].
    private static int Middle(QuantizedRange range) => (int)Math.Round((range.Min + range.Max) / 2.0, MidpointRounding.ToEven);
}
