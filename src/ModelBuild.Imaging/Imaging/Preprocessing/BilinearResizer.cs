namespace ModelBuild.Imaging.Preprocessing;

/// <summary>
/// Bilinear resizing of interleaved 8-bit images with the semantics of OpenCV's <c>cv2.resize(...,
/// INTER_LINEAR)</c>, which ModelConverter uses: half-pixel centres (<c>sx = (dx + 0.5) · sw/dw − 0.5</c>),
/// edge pixels repeated, two taps per axis and no antialiasing when shrinking. Weights are OpenCV's
/// 11-bit fixed point (<c>round(2048 · w)</c>) and the result <c>(Σ wy · Σ wx · p + 2^21) &gt;&gt; 22</c>,
/// i.e. OpenCV's reference (non-SIMD) arithmetic; OpenCV's vectorised paths can differ from it by 1.
/// </summary>
public static class BilinearResizer
{
    private const int CoefficientBits = 11;
    private const int CoefficientScale = 1 << CoefficientBits;

    /// <summary>Resizes <paramref name="source"/> (<paramref name="sourceWidth"/> × <paramref name="sourceHeight"/> × <paramref
    /// name="channels"/>) into <paramref name="destination"/>.</summary>
    public static void Resize(
        ReadOnlySpan<byte> source,
        int sourceWidth,
        int sourceHeight,
        int channels,
        Span<byte> destination,
        int width,
        int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfLessThan(source.Length, sourceWidth * sourceHeight * channels, nameof(source));
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, width * height * channels, nameof(destination));
        if (sourceWidth == width && sourceHeight == height)
        {
            source[..(width * height * channels)].CopyTo(destination);
            return;
        }

        var xTaps = Taps(sourceWidth, width);
        var yTaps = Taps(sourceHeight, height);
        var rowLength = width * channels;
        var upper = new int[rowLength];
        var lower = new int[rowLength];
        int upperRow = -1, lowerRow = -1;
        for (var dy = 0; dy < height; dy++)
        {
            var (y0, y1, wy0, wy1) = yTaps[dy];
            if (upperRow != y0)
            {
                if (lowerRow == y0)
                {
                    (upper, lower) = (lower, upper);
                    (upperRow, lowerRow) = (lowerRow, upperRow);
                }
                else
                {
                    HorizontalPass(source.Slice(y0 * sourceWidth * channels, sourceWidth * channels), channels, xTaps, upper);
                    upperRow = y0;
                }
            }

            if (lowerRow != y1)
            {
                HorizontalPass(source.Slice(y1 * sourceWidth * channels, sourceWidth * channels), channels, xTaps, lower);
                lowerRow = y1;
            }

            var output = destination.Slice(dy * rowLength, rowLength);
            for (var i = 0; i < rowLength; i++)
            {
                var value = ((long)wy0 * upper[i] + ((long)wy1 * lower[i]) + (1L << ((2 * CoefficientBits) - 1))) >> (2 * CoefficientBits);
                output[i] = (byte)Math.Clamp(value, 0, 255);
            }
        }
    }

    private static void HorizontalPass(ReadOnlySpan<byte> row, int channels, (int X0, int X1, int W0, int W1)[] taps, int[] output)
    {
        var o = 0;
        foreach (var (x0, x1, w0, w1) in taps)
        {
            var a = x0 * channels;
            var b = x1 * channels;
            for (var c = 0; c < channels; c++)
            {
                output[o++] = (row[a + c] * w0) + (row[b + c] * w1);
            }
        }
    }

    /// <summary>The two source indices and fixed-point weights of every destination index, as OpenCV computes them.</summary>
    private static (int I0, int I1, int W0, int W1)[] Taps(int sourceSize, int size)
    {
        var scale = 1.0 / ((double)size / sourceSize);
        var taps = new (int, int, int, int)[size];
        for (var d = 0; d < size; d++)
        {
            var f = (float)(((d + 0.5) * scale) - 0.5);
            var s = (int)MathF.Floor(f);
            f -= s;
            if (s < 0)
            {
                f = 0;
                s = 0;
            }

            if (s >= sourceSize - 1)
            {
                f = 0;
                s = sourceSize - 1;
            }

            // OpenCV rounds each weight on its own (round half to even), as saturate_cast<short> does.
            var w0 = (int)MathF.Round((1f - f) * CoefficientScale);
            var w1 = (int)MathF.Round(f * CoefficientScale);
            taps[d] = (s, Math.Min(s + 1, sourceSize - 1), w0, w1);
        }

        return taps;
    }
}
