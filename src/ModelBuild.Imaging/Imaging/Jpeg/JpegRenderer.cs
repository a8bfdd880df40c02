namespace ModelBuild.Imaging.Jpeg;

/// <summary>
/// Turns decoded coefficients into pixels the way libjpeg-turbo does by default: islow IDCT per block,
/// "fancy" (triangular) upsampling of 2:1 subsampled components with its alternating rounding, box
/// replication for other integral ratios, then the fixed-point YCbCr→RGB of jdcolor.c (16-bit constants).
/// </summary>
internal sealed class JpegRenderer(JpegFrame frame, int[][] quantization, JpegColorModel colorModel)
{
    private const int ScaleBits = 16;
    private const int Half = 1 << (ScaleBits - 1);

    private static readonly int[] CrToRed = BuildTable(1.40200, rounded: true);
    private static readonly int[] CbToBlue = BuildTable(1.77200, rounded: true);
    private static readonly int[] CrToGreen = BuildTable(-0.71414, rounded: false);
    private static readonly int[] CbToGreen = BuildTable(-0.34414, rounded: false, offset: Half);

    public ImageFrame Render()
    {
        var components = frame.Components;
        var planes = new byte[components.Length][];
        var strides = new int[components.Length];
        for (var i = 0; i < components.Length; i++)
        {
            (planes[i], strides[i]) = InverseTransform(components[i]);
        }

        var width = frame.Width;
        var channels = colorModel == JpegColorModel.Gray ? 1 : 3;
        var output = new byte[(long)width * frame.Height * channels];
        var rows = new byte[components.Length][];
        for (var i = 0; i < components.Length; i++)
        {
            rows[i] = new byte[(components[i].Width * (frame.MaxHorizontal / components[i].Horizontal)) + 16];
        }

        var colSums = new int[frame.Width + 16];
        for (var y = 0; y < frame.Height; y++)
        {
            for (var i = 0; i < components.Length; i++)
            {
                Upsample(components[i], planes[i], strides[i], y, rows[i], colSums);
            }

            ConvertRow(rows, output.AsSpan(y * width * channels, width * channels));
        }

        return new ImageFrame(width, frame.Height, channels == 1 ? PixelFormat.Gray8 : PixelFormat.Rgb24, output);
    }

    private (byte[] Plane, int Stride) InverseTransform(JpegComponent component)
    {
        var stride = component.BlocksPerLine * 8;
        var blockRows = (component.Height + 7) / 8;
        var blockColumns = (component.Width + 7) / 8;
        var plane = new byte[(long)stride * blockRows * 8];
        var table = quantization[component.QuantizationTable];
        for (var row = 0; row < blockRows; row++)
        {
            for (var column = 0; column < blockColumns; column++)
            {
                JpegIdct.Transform(component.Block(row, column), table, plane.AsSpan((row * 8 * stride) + (column * 8)), stride);
            }
        }

        return (plane, stride);
    }

    /// <summary>Writes output row <paramref name="y"/> of a component at full resolution into <paramref name="row"/>.</summary>
    private void Upsample(JpegComponent component, byte[] plane, int stride, int y, byte[] row, int[] colSums)
    {
        var hFactor = frame.MaxHorizontal / component.Horizontal;
        var vFactor = frame.MaxVertical / component.Vertical;
        var width = component.Width;
        var lastRow = component.Height - 1;
        if (hFactor == 1 && vFactor == 1)
        {
            plane.AsSpan(y * stride, width).CopyTo(row);
            return;
        }

        if (hFactor == 2 && vFactor == 1 && width > 2)
        {
            // h2v1: 3/4 nearer + 1/4 further sample, rounding alternately down (+1) and up (+2).
            var source = plane.AsSpan(y * stride, width);
            for (var x = 0; x < width; x++)
            {
                var near = source[x] * 3;
                row[2 * x] = (byte)((near + source[Math.Max(x - 1, 0)] + 1) >> 2);
                row[(2 * x) + 1] = (byte)((near + source[Math.Min(x + 1, width - 1)] + 2) >> 2);
            }

            return;
        }

        if (hFactor == 1 && vFactor == 2)
        {
            // h1v2: the nearer row is y/2, the further one above for even y and below for odd y.
            var (near, far, bias) = VerticalNeighbours(y, lastRow);
            var nearRow = plane.AsSpan(near * stride, width);
            var farRow = plane.AsSpan(far * stride, width);
            for (var x = 0; x < width; x++)
            {
                row[x] = (byte)(((nearRow[x] * 3) + farRow[x] + bias) >> 2);
            }

            return;
        }

        if (hFactor == 2 && vFactor == 2 && width > 2)
        {
            // h2v2: vertical 3:1 sums first, then horizontal 3:1 with biases 8 and 7 (overall 9/16, 3/16, 3/16, 1/16).
            var (near, far, _) = VerticalNeighbours(y, lastRow);
            var nearRow = plane.AsSpan(near * stride, width);
            var farRow = plane.AsSpan(far * stride, width);
            for (var x = 0; x < width; x++)
            {
                colSums[x] = (nearRow[x] * 3) + farRow[x];
            }

            for (var x = 0; x < width; x++)
            {
                var nearSum = colSums[x] * 3;
                row[2 * x] = (byte)((nearSum + colSums[Math.Max(x - 1, 0)] + 8) >> 4);
                row[(2 * x) + 1] = (byte)((nearSum + colSums[Math.Min(x + 1, width - 1)] + 7) >> 4);
            }

            return;
        }

        // Other integral ratios (and 2:1 with two columns or fewer): replicate each sample.
        var sourceRow = plane.AsSpan(Math.Min(y / vFactor, lastRow) * stride, width);
        for (var x = 0; x < width; x++)
        {
            row.AsSpan(x * hFactor, hFactor).Fill(sourceRow[x]);
        }
    }

    private static (int Near, int Far, int Bias) VerticalNeighbours(int y, int lastRow)
    {
        var near = y >> 1;
        return (y & 1) == 0 ? (near, Math.Max(near - 1, 0), 1) : (near, Math.Min(near + 1, lastRow), 2);
    }

    private void ConvertRow(byte[][] rows, Span<byte> output)
    {
        var width = frame.Width;
        switch (colorModel)
        {
            case JpegColorModel.Gray:
                rows[0].AsSpan(0, width).CopyTo(output);
                break;
            case JpegColorModel.Rgb:
                for (int x = 0, o = 0; x < width; x++, o += 3)
                {
                    output[o] = rows[0][x];
                    output[o + 1] = rows[1][x];
                    output[o + 2] = rows[2][x];
                }

                break;
            case JpegColorModel.YCbCr:
                for (int x = 0, o = 0; x < width; x++, o += 3)
                {
                    int luma = rows[0][x], cb = rows[1][x], cr = rows[2][x];
                    output[o] = Clamp(luma + CrToRed[cr]);
                    output[o + 1] = Clamp(luma + ((CbToGreen[cb] + CrToGreen[cr]) >> ScaleBits));
                    output[o + 2] = Clamp(luma + CbToBlue[cb]);
                }

                break;
            default:
                ConvertInkRow(rows, output);
                break;
        }
    }

    /// <summary>
    /// CMYK and YCCK (Adobe): samples are stored inverted (255 = no ink), so after undoing YCC the visible
    /// colour is <c>R = C' · K' / 255</c> with C' and K' as stored, as ImageMagick renders them.
    /// </summary>
    private void ConvertInkRow(byte[][] rows, Span<byte> output)
    {
        for (int x = 0, o = 0; x < frame.Width; x++, o += 3)
        {
            int c = rows[0][x], m = rows[1][x], yellow = rows[2][x], k = rows[3][x];
            if (colorModel == JpegColorModel.Ycck)
            {
                int luma = c, cb = m, cr = yellow;
                c = 255 - Clamp(luma + CrToRed[cr]);
                m = 255 - Clamp(luma + ((CbToGreen[cb] + CrToGreen[cr]) >> ScaleBits));
                yellow = 255 - Clamp(luma + CbToBlue[cb]);
            }

            output[o] = (byte)(((c * k) + 127) / 255);
            output[o + 1] = (byte)(((m * k) + 127) / 255);
            output[o + 2] = (byte)(((yellow * k) + 127) / 255);
        }
    }

    private static byte Clamp(int value) => (byte)Math.Clamp(value, 0, 255);

    /// <summary>x · factor for chroma x = i − 128 in 16-bit fixed point; rounded to an integer or left scaled.</summary>
    private static int[] BuildTable(double factor, bool rounded, int offset = 0)
    {
        var scaled = (int)((Math.Abs(factor) * (1 << ScaleBits)) + 0.5) * Math.Sign(factor);
        var table = new int[256];
        for (var i = 0; i < 256; i++)
        {
            var x = i - 128;
            table[i] = rounded ? ((scaled * x) + Half) >> ScaleBits : (scaled * x) + offset;
        }

        return table;
    }
}
