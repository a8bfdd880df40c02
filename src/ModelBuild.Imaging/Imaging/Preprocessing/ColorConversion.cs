namespace ModelBuild.Imaging.Preprocessing;

/// <summary>Converts decoded pixels to a model's channel order, interleaved, 8 bits; alpha is dropped.</summary>
internal static class ColorConversion
{
    // OpenCV's 8-bit RGB to grey: 0.299, 0.587, 0.114 in 14-bit fixed point, rounded.
    private const int RedWeight = 4899;
    private const int GreenWeight = 9617;
    private const int BlueWeight = 1868;
    private const int Shift = 14;

    /// <summary>Writes the frame's pixels in <paramref name="encoding"/> into <paramref name="output"/> (width × height ×
    /// channels).</summary>
    public static void Convert(ImageFrame frame, ColorEncoding encoding, Span<byte> output)
    {
        var source = frame.Pixels.Span;
        var count = frame.Width * frame.Height;
        var step = frame.BytesPerPixel;
        if (encoding == ColorEncoding.Gray)
        {
            var gray = output[..count];
            if (frame.Format == PixelFormat.Gray8)
            {
                source[..count].CopyTo(gray);
                return;
            }

            for (int p = 0, i = 0; p < count; p++, i += step)
            {
                gray[p] = (byte)(((source[i] * RedWeight) + (source[i + 1] * GreenWeight) + (source[i + 2] * BlueWeight)
                    + (1 << (Shift - 1))) >> Shift);
            }

            return;
        }

        output = output[..(count * 3)];
        var (first, last) = encoding == ColorEncoding.Rgb ? (0, 2) : (2, 0);
        if (frame.Format == PixelFormat.Gray8)
        {
            for (int p = 0, o = 0; p < count; p++, o += 3)
            {
                output[o] = output[o + 1] = output[o + 2] = source[p];
            }

            return;
        }

        for (int i = 0, o = 0; o < output.Length; i += step, o += 3)
        {
            output[o] = source[i + first];
            output[o + 1] = source[i + 1];
            output[o + 2] = source[i + last];
        }
    }
}
