using ModelBuild.Imaging.Bmp;
using ModelBuild.Imaging.Jpeg;
using ModelBuild.Imaging.Png;

namespace ModelBuild.Imaging;

/// <summary>The image file formats <see cref="ImageDecoder"/> recognises.</summary>
public enum ImageFileFormat
{
    /// <summary>Not a recognised format.</summary>
    Unknown,

    /// <summary>PNG (W3C / RFC 2083).</summary>
    Png,

    /// <summary>JPEG (ITU T.81, JFIF/Adobe).</summary>
    Jpeg,

    /// <summary>Windows bitmap.</summary>
    Bmp,
}

/// <summary>
/// Decodes PNG, JPEG and BMP files to <see cref="ImageFrame"/>s with managed code only. The same decoders
/// run at build time (calibration) and in the application (inference), so both see identical pixels.
/// </summary>
public static class ImageDecoder
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Recognises the format from the first bytes (the signature), never from a file name.</summary>
    public static ImageFileFormat DetectFormat(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(PngSignature))
        {
            return ImageFileFormat.Png;
        }

        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return ImageFileFormat.Jpeg;
        }

        if (data.Length >= 2 && data[0] == (byte)'B' && data[1] == (byte)'M')
        {
            return ImageFileFormat.Bmp;
        }

        return ImageFileFormat.Unknown;
    }

    /// <summary>Decodes an image file held in memory.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="displayName">How errors name the image, usually its path.</param>
    /// <exception cref="InvalidImageException">The data is not a decodable PNG, JPEG or BMP (code MB80nn).</exception>
    public static ImageFrame Decode(ReadOnlySpan<byte> data, string displayName)
    {
        ArgumentNullException.ThrowIfNull(displayName);
        return DetectFormat(data) switch
        {
            ImageFileFormat.Png => new PngDecoder(displayName).Decode(data),
            ImageFileFormat.Jpeg => new JpegDecoder(displayName).Decode(data),
            ImageFileFormat.Bmp => new BmpDecoder(displayName).Decode(data),
            _ => throw ImageErrors.UnknownFormat(displayName, data),
        };
    }

    /// <summary>Reads and decodes the file at <paramref name="path"/>; errors name the path.</summary>
    public static ImageFrame DecodeFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Decode(File.ReadAllBytes(path), path);
    }
}
