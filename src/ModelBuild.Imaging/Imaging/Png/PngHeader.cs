namespace ModelBuild.Imaging.Png;

/// <summary>PNG colour types (IHDR byte 9).</summary>
internal enum PngColorType : byte
{
    Grayscale = 0,
    Rgb = 2,
    Palette = 3,
    GrayscaleAlpha = 4,
    Rgba = 6,
}

/// <summary>The IHDR chunk: what every later step needs to know about the image.</summary>
internal sealed record PngHeader(int Width, int Height, int BitDepth, PngColorType ColorType, bool Interlaced)
{
    /// <summary>Samples per pixel as stored (a palette index counts as one).</summary>
    public int Channels => ColorType switch
    {
        PngColorType.Grayscale or PngColorType.Palette => 1,
        PngColorType.GrayscaleAlpha => 2,
        PngColorType.Rgb => 3,
        _ => 4,
    };

    public int BitsPerPixel => Channels * BitDepth;

    /// <summary>The filter's "bpp": bytes per complete pixel, rounded up to 1.</summary>
    public int FilterStride => Math.Max(1, BitsPerPixel / 8);

    /// <summary>Bytes of one scanline of <paramref name="pixels"/> pixels, without the filter byte.</summary>
    public long RowBytes(long pixels) => ((pixels * BitsPerPixel) + 7) / 8;

    /// <summary>Parses and validates the 13 IHDR bytes; <c>null</c> reason means valid.</summary>
    public static PngHeader Parse(ReadOnlySpan<byte> data, Func<string, Exception> invalid)
    {
        if (data.Length != 13)
        {
            throw invalid($"the IHDR chunk has {data.Length} bytes instead of 13");
        }

        var width = ReadUInt32(data);
        var height = ReadUInt32(data[4..]);
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
        {
            throw invalid($"IHDR gives the size {width}x{height}; both must be between 1 and 2^31-1");
        }

        int bitDepth = data[8];
        var colorType = data[9];
        var allowed = colorType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            2 or 4 or 6 => bitDepth is 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            _ => throw invalid($"IHDR gives colour type {colorType}; valid types are 0, 2, 3, 4 and 6"),
        };
        if (!allowed)
        {
            throw invalid($"IHDR gives bit depth {bitDepth} for colour type {colorType}, which PNG does not allow");
        }

        if (data[10] != 0)
        {
            throw invalid($"IHDR gives compression method {data[10]}; only 0 (deflate) exists");
        }

        if (data[11] != 0)
        {
            throw invalid($"IHDR gives filter method {data[11]}; only 0 exists");
        }

        if (data[12] > 1)
        {
            throw invalid($"IHDR gives interlace method {data[12]}; only 0 (none) and 1 (Adam7) exist");
        }

        return new PngHeader((int)width, (int)height, bitDepth, (PngColorType)colorType, data[12] == 1);
    }

    public static uint ReadUInt32(ReadOnlySpan<byte> b) => ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
}
