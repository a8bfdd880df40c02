namespace ModelBuild.Imaging;

/// <summary>How the samples of one pixel are laid out in <see cref="ImageFrame.Pixels"/>; every sample is 8 bits.</summary>
public enum PixelFormat
{
    /// <summary>One grey sample per pixel.</summary>
    Gray8,

    /// <summary>Red, green, blue, in that order.</summary>
    Rgb24,

    /// <summary>Red, green, blue, alpha (not premultiplied), in that order.</summary>
    Rgba32,
}

/// <summary>Facts about <see cref="PixelFormat"/> values.</summary>
public static class PixelFormatFacts
{
    /// <summary>Samples (bytes) per pixel: 1, 3 or 4.</summary>
    public static int BytesPerPixel(this PixelFormat format) => format switch
    {
        PixelFormat.Gray8 => 1,
        PixelFormat.Rgb24 => 3,
        PixelFormat.Rgba32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format."),
    };
}
