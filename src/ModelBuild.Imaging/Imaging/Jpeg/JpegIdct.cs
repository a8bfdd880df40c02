namespace ModelBuild.Imaging.Jpeg;

/// <summary>
/// The 8×8 inverse DCT with dequantisation, in the integer arithmetic of libjpeg's default "islow" method
/// (Loeffler–Ligtenberg–Moschytz, 13-bit constants, 2 extra bits after the column pass), so decoded
/// samples agree with libjpeg-turbo and therefore with ImageMagick. Columns first, then rows; an all-zero
/// AC column or row takes the DC shortcut, which gives the same result as the full computation.
/// </summary>
internal static class JpegIdct
{
    private const int ConstBits = 13;
    private const int Pass1Bits = 2;

    // round(x · 2^13) for the rotation constants of the algorithm.
    private const int Fix0298631336 = 2446;
    private const int Fix0390180644 = 3196;
    private const int Fix0541196100 = 4433;
    private const int Fix0765366865 = 6270;
    private const int Fix0899976223 = 7373;
    private const int Fix1175875602 = 9633;
    private const int Fix1501321110 = 12299;
    private const int Fix1847759065 = 15137;
    private const int Fix1961570560 = 16069;
    private const int Fix2053119869 = 16819;
    private const int Fix2562915447 = 20995;
    private const int Fix3072711026 = 25172;

    /// <summary>Transforms one block of natural-order coefficients into 8 rows of 8 samples at <paramref name="output"/> with <paramref
    /// name="stride"/>.</summary>
    public static void Transform(ReadOnlySpan<short> coefficients, ReadOnlySpan<int> quantization, Span<byte> output, int stride)
    {
        Span<int> workspace = stackalloc int[64];
        for (var column = 0; column < 8; column++)
        {
            Column(coefficients, quantization, workspace, column);
        }

        for (var row = 0; row < 8; row++)
        {
            Row(workspace.Slice(row * 8, 8), output.Slice(row * stride, 8));
        }
    }

    private static void Column(ReadOnlySpan<short> c, ReadOnlySpan<int> q, Span<int> ws, int i)
    {
        if (c[i + 8] == 0 && c[i + 16] == 0 && c[i + 24] == 0 && c[i + 32] == 0 && c[i + 40] == 0 && c[i + 48] == 0 && c[i + 56] == 0)
        {
            var dc = c[i] * q[i] << Pass1Bits;
            for (var k = 0; k < 64; k += 8)
            {
                ws[i + k] = dc;
            }

            return;
        }

        var (e0, e1, e2, e3) = Even(c[i] * q[i], c[i + 16] * q[i + 16], c[i + 32] * q[i + 32], c[i + 48] * q[i + 48]);
        var (o0, o1, o2, o3) = Odd(c[i + 8] * q[i + 8], c[i + 24] * q[i + 24], c[i + 40] * q[i + 40], c[i + 56] * q[i + 56]);
        const int shift = ConstBits - Pass1Bits;
        ws[i] = Descale(e0 + o3, shift);
        ws[i + 56] = Descale(e0 - o3, shift);
        ws[i + 8] = Descale(e1 + o2, shift);
        ws[i + 48] = Descale(e1 - o2, shift);
        ws[i + 16] = Descale(e2 + o1, shift);
        ws[i + 40] = Descale(e2 - o1, shift);
        ws[i + 24] = Descale(e3 + o0, shift);
        ws[i + 32] = Descale(e3 - o0, shift);
    }

    private static void Row(ReadOnlySpan<int> w, Span<byte> output)
    {
        const int shift = ConstBits + Pass1Bits + 3;
        if (w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0)
        {
            output[..8].Fill(RangeLimit(Descale(w[0], Pass1Bits + 3)));
            return;
        }

        var (e0, e1, e2, e3) = Even(w[0], w[2], w[4], w[6]);
        var (o0, o1, o2, o3) = Odd(w[1], w[3], w[5], w[7]);
        output[0] = RangeLimit(Descale(e0 + o3, shift));
        output[7] = RangeLimit(Descale(e0 - o3, shift));
        output[1] = RangeLimit(Descale(e1 + o2, shift));
        output[6] = RangeLimit(Descale(e1 - o2, shift));
        output[2] = RangeLimit(Descale(e2 + o1, shift));
        output[5] = RangeLimit(Descale(e2 - o1, shift));
        output[3] = RangeLimit(Descale(e3 + o0, shift));
        output[4] = RangeLimit(Descale(e3 - o0, shift));
    }

    /// <summary>The even half from inputs 0, 2, 4, 6, scaled by 2^13.</summary>
    private static (int, int, int, int) Even(int x0, int x2, int x4, int x6)
    {
        var rotated = (x2 + x6) * Fix0541196100;
        var a = rotated - (x6 * Fix1847759065);
        var b = rotated + (x2 * Fix0765366865);
        var sum = (x0 + x4) << ConstBits;
        var difference = (x0 - x4) << ConstBits;
        return (sum + b, difference + a, difference - a, sum - b);
    }

    /// <summary>The odd half from inputs 1, 3, 5, 7; returns the terms paired with outputs 3/4, 2/5, 1/6, 0/7.</summary>
    private static (int, int, int, int) Odd(int x1, int x3, int x5, int x7)
    {
        var z1 = x7 + x1;
        var z2 = x5 + x3;
        var z3 = x7 + x3;
        var z4 = x5 + x1;
        var z5 = (z3 + z4) * Fix1175875602;
        z1 *= -Fix0899976223;
        z2 *= -Fix2562915447;
        z3 = (z3 * -Fix1961570560) + z5;
        z4 = (z4 * -Fix0390180644) + z5;
        return (
            (x7 * Fix0298631336) + z1 + z3,
            (x5 * Fix2053119869) + z2 + z4,
            (x3 * Fix3072711026) + z2 + z3,
            (x1 * Fix1501321110) + z1 + z4);
    }

    private static int Descale(int x, int n) => (x + (1 << (n - 1))) >> n;

    /// <summary>Adds the 128 level shift and clamps; like libjpeg's table, only the low 10 bits count (wild values wrap).</summary>
    private static byte RangeLimit(int x)
    {
        var wrapped = (x << 22) >> 22;
        return (byte)Math.Clamp(wrapped + 128, 0, 255);
    }
}
