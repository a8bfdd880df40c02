namespace ModelBuild.Imaging;

/// <summary>
/// A decoded image: <see cref="Width"/> × <see cref="Height"/> pixels stored row-major, top row first,
/// samples interleaved as <see cref="Format"/> says, 8 bits each, rows packed without padding.
/// </summary>
/// <remarks>
/// 16-bit samples are reduced to 8 bits as ImageMagick 6 does, so that decodes compare exactly with its
/// own: colour and grey <c>v8 = floor(v16 / 257)</c>; alpha <c>a8 = ceil(a16 / 257)</c> (ImageMagick 6 stores
/// opacity, <c>65535 - a16</c>, and floors that). Colour
/// management (PNG gAMA/cHRM/iCCP/sRGB, embedded ICC profiles) is not applied: samples are as stored.
/// </remarks>
public sealed class ImageFrame
{
    private readonly byte[] _pixels;

    /// <summary>Wraps <paramref name="pixels"/> (taken over, not copied) as an image.</summary>
    /// <exception cref="ArgumentException">The sizes are not positive or the buffer length does not match them.</exception>
    public ImageFrame(int width, int height, PixelFormat format, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        var expected = (long)width * height * format.BytesPerPixel();
        if (pixels.LongLength != expected)
        {
            throw new ArgumentException(
                $"A {width}x{height} {format} image needs {expected} bytes, not {pixels.LongLength}.",
                nameof(pixels));
        }

        Width = width;
        Height = height;
        Format = format;
        _pixels = pixels;
    }

    /// <summary>Pixels per row.</summary>
    public int Width { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>The layout of one pixel.</summary>
    public PixelFormat Format { get; }

    /// <summary>Samples per pixel (1, 3 or 4).</summary>
    public int BytesPerPixel => Format.BytesPerPixel();

    /// <summary>Bytes per row: <see cref="Width"/> × <see cref="BytesPerPixel"/>.</summary>
    public int Stride => Width * BytesPerPixel;

    /// <summary>All samples, row-major, top row first; read-only because frames are shared freely.</summary>
    public ReadOnlyMemory<byte> Pixels => _pixels;

    /// <summary>The samples of row <paramref name="y"/> (0 = top).</summary>
    public ReadOnlySpan<byte> Row(int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        return _pixels.AsSpan(y * Stride, Stride);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Width}x{Height} {Format}";
}
