namespace ModelBuild.Imaging.Png;

/// <summary>
/// Turns raw (unfiltered) scanline samples of any PNG colour type and bit depth into 8-bit
/// <see cref="PixelFormat"/> pixels: palette lookup, tRNS to alpha, low depths scaled up, 16 bits
/// reduced as ImageMagick 6 does (colour <c>v / 257</c>, alpha <c>ceil(v / 257)</c>).
/// </summary>
internal sealed class PngPixelExpander
{
    private readonly PngHeader _header;
    private readonly byte[] _paletteRgba; // 256 entries × RGBA; entries past the palette stay opaque black.
    private readonly int _transparentGray = -1;
    private readonly int _transparentRed = -1;
    private readonly int _transparentGreen = -1;
    private readonly int _transparentBlue = -1;
    private readonly int _grayScale;

    public PngPixelExpander(PngHeader header, ReadOnlySpan<byte> palette, ReadOnlySpan<byte> transparency)
    {
        _header = header;
        _paletteRgba = new byte[256 * 4];
        for (var i = 0; i < 256; i++)
        {
            _paletteRgba[(i * 4) + 3] = 255;
        }

        for (var i = 0; i < palette.Length / 3; i++)
        {
            _paletteRgba[i * 4] = palette[i * 3];
            _paletteRgba[(i * 4) + 1] = palette[(i * 3) + 1];
            _paletteRgba[(i * 4) + 2] = palette[(i * 3) + 2];
        }

        _grayScale = header.BitDepth switch { 1 => 255, 2 => 85, 4 => 17, _ => 1 };
        var hasTransparency = false;
        switch (header.ColorType)
        {
            case PngColorType.Palette when !transparency.IsEmpty:
                for (var i = 0; i < Math.Min(transparency.Length, 256); i++)
                {
                    _paletteRgba[(i * 4) + 3] = transparency[i];
                }

                hasTransparency = true;
                break;
            case PngColorType.Grayscale when transparency.Length == 2:
                _transparentGray = ReadUInt16(transparency);
                hasTransparency = true;
                break;
            case PngColorType.Rgb when transparency.Length == 6:
                _transparentRed = ReadUInt16(transparency);
                _transparentGreen = ReadUInt16(transparency[2..]);
                _transparentBlue = ReadUInt16(transparency[4..]);
                hasTransparency = true;
                break;
        }

        OutputFormat = header.ColorType switch
        {
            PngColorType.GrayscaleAlpha or PngColorType.Rgba => PixelFormat.Rgba32,
            _ when hasTransparency => PixelFormat.Rgba32,
            PngColorType.Grayscale => PixelFormat.Gray8,
            _ => PixelFormat.Rgb24,
        };
    }

    public PixelFormat OutputFormat { get; }

    /// <summary>Writes <paramref name="count"/> pixels of <paramref name="row"/> to columns x0, x0+dx, ... of <paramref
    /// name="output"/>.</summary>
    public void Expand(ReadOnlySpan<byte> row, int count, Span<byte> output, int x0, int dx)
    {
        var step = dx * OutputFormat.BytesPerPixel();
        var o = x0 * OutputFormat.BytesPerPixel();
        switch (_header.ColorType)
        {
            case PngColorType.Grayscale:
                ExpandGray(row, count, output, o, step);
                break;
            case PngColorType.Palette:
                ExpandPalette(row, count, output, o, step);
                break;
            case PngColorType.Rgb:
                ExpandRgb(row, count, output, o, step);
                break;
            case PngColorType.GrayscaleAlpha:
                ExpandGrayAlpha(row, count, output, o, step);
                break;
            default:
                ExpandRgba(row, count, output, o, step);
                break;
        }
    }

    private void ExpandGray(ReadOnlySpan<byte> row, int count, Span<byte> output, int o, int step)
    {
        var depth = _header.BitDepth;
        var withAlpha = OutputFormat == PixelFormat.Rgba32;
        for (var i = 0; i < count; i++, o += step)
        {
            int raw;
            byte gray;
            if (depth == 16)
            {
                raw = ReadUInt16(row[(i * 2)..]);
                gray = (byte)(raw / 257);
            }
            else if (depth == 8)
            {
                raw = row[i];
                gray = (byte)raw;
            }
            else
            {
                raw = ReadPacked(row, i, depth);
                gray = (byte)(raw * _grayScale);
            }

            if (withAlpha)
            {
                output[o] = gray;
                output[o + 1] = gray;
                output[o + 2] = gray;
                output[o + 3] = raw == _transparentGray ? (byte)0 : (byte)255;
            }
            else
            {
                output[o] = gray;
            }
        }
    }

    private void ExpandPalette(ReadOnlySpan<byte> row, int count, Span<byte> output, int o, int step)
    {
        var depth = _header.BitDepth;
        var withAlpha = OutputFormat == PixelFormat.Rgba32;
        for (var i = 0; i < count; i++, o += step)
        {
            var index = depth == 8 ? row[i] : ReadPacked(row, i, depth);
            var entry = _paletteRgba.AsSpan(index * 4, 4);
            output[o] = entry[0];
            output[o + 1] = entry[1];
            output[o + 2] = entry[2];
            if (withAlpha)
            {
                output[o + 3] = entry[3];
            }
        }
    }

    private void ExpandRgb(ReadOnlySpan<byte> row, int count, Span<byte> output, int o, int step)
    {
        var withAlpha = OutputFormat == PixelFormat.Rgba32;
        if (_header.BitDepth == 8)
        {
            if (!withAlpha && step == 3)
            {
                row[..(count * 3)].CopyTo(output[o..]);
                return;
            }

            for (var i = 0; i < count; i++, o += step)
            {
                var r = row[i * 3];
                var g = row[(i * 3) + 1];
                var b = row[(i * 3) + 2];
                output[o] = r;
                output[o + 1] = g;
                output[o + 2] = b;
                if (withAlpha)
                {
                    output[o + 3] = r == _transparentRed && g == _transparentGreen && b == _transparentBlue ? (byte)0 : (byte)255;
                }
            }

            return;
        }

        for (var i = 0; i < count; i++, o += step)
        {
            var r = ReadUInt16(row[(i * 6)..]);
            var g = ReadUInt16(row[((i * 6) + 2)..]);
            var b = ReadUInt16(row[((i * 6) + 4)..]);
            output[o] = (byte)(r / 257);
            output[o + 1] = (byte)(g / 257);
            output[o + 2] = (byte)(b / 257);
            if (withAlpha)
            {
                output[o + 3] = r == _transparentRed && g == _transparentGreen && b == _transparentBlue ? (byte)0 : (byte)255;
            }
        }
    }

    private void ExpandGrayAlpha(ReadOnlySpan<byte> row, int count, Span<byte> output, int o, int step)
    {
        var wide = _header.BitDepth == 16;
        for (var i = 0; i < count; i++, o += step)
        {
            byte gray, alpha;
            if (wide)
            {
                gray = (byte)(ReadUInt16(row[(i * 4)..]) / 257);
                alpha = ReduceAlpha(ReadUInt16(row[((i * 4) + 2)..]));
            }
            else
            {
                gray = row[i * 2];
                alpha = row[(i * 2) + 1];
            }

            output[o] = gray;
            output[o + 1] = gray;
            output[o + 2] = gray;
            output[o + 3] = alpha;
        }
    }

    private void ExpandRgba(ReadOnlySpan<byte> row, int count, Span<byte> output, int o, int step)
    {
        if (_header.BitDepth == 8)
        {
            if (step == 4)
            {
                row[..(count * 4)].CopyTo(output[o..]);
                return;
            }

            for (var i = 0; i < count; i++, o += step)
            {
                row.Slice(i * 4, 4).CopyTo(output[o..]);
            }

            return;
        }

        for (var i = 0; i < count; i++, o += step)
        {
            for (var c = 0; c < 3; c++)
            {
                output[o + c] = (byte)(ReadUInt16(row[((i * 8) + (c * 2))..]) / 257);
            }

            output[o + 3] = ReduceAlpha(ReadUInt16(row[((i * 8) + 6)..]));
        }
    }

    // ImageMagick 6 keeps opacity (65535 - alpha) and floors that, so 16-bit alpha rounds up: ceil(a / 257).
    private static byte ReduceAlpha(int alpha) => (byte)((alpha + 256) / 257);

    private static int ReadPacked(ReadOnlySpan<byte> row, int index, int depth)
    {
        var bit = index * depth;
        var shift = 8 - depth - (bit & 7);
        return (row[bit >> 3] >> shift) & ((1 << depth) - 1);
    }

    private static int ReadUInt16(ReadOnlySpan<byte> b) => (b[0] << 8) | b[1];
}
