using System.Globalization;

namespace ModelBuild.Imaging;

/// <summary>
/// The image diagnostics (the MB80nn range), one message template each. This assembly does not reference
/// ModelBuild.Core, so the codes travel in <see cref="InvalidImageException"/>; docs/diagnostics.md lists them.
/// </summary>
internal static class ImageErrors
{
    public const string InvalidPngCode = "MB8001";
    public const string InvalidBmpCode = "MB8002";
    public const string InvalidJpegCode = "MB8003";
    public const string TruncatedCode = "MB8004";
    public const string UnsupportedCode = "MB8005";
    public const string UnknownFormatCode = "MB8006";
    public const string TooLargeCode = "MB8007";

    /// <summary>The largest image decoded, in pixels; bigger ones are refused before any allocation.</summary>
    public const long MaxPixels = 1L << 27;

    public static InvalidImageException InvalidPng(string name, string reason, Exception? inner = null) =>
        Create(InvalidPngCode, name, inner, "'{0}' is not a valid PNG: {1}", name, reason);

    public static InvalidImageException InvalidBmp(string name, string reason) =>
        Create(InvalidBmpCode, name, null, "'{0}' is not a valid BMP: {1}", name, reason);

    public static InvalidImageException InvalidJpeg(string name, string reason) =>
        Create(InvalidJpegCode, name, null, "'{0}' is not a valid JPEG: {1}", name, reason);

    public static InvalidImageException Truncated(string name, string format, string where) =>
        Create(TruncatedCode, name, null, "'{0}' is truncated: the {1} data ends {2}", name, format, where);

    public static InvalidImageException Unsupported(string name, string format, string feature) =>
        Create(UnsupportedCode, name, null, "'{0}' is a {1} that uses {2}, which is not supported", name, format, feature);

    public static InvalidImageException UnknownFormat(string name, ReadOnlySpan<byte> data) =>
        Create(UnknownFormatCode, name, null, "'{0}' is not a PNG, JPEG or BMP image (it starts with {1})", name, DescribeStart(data));

    public static InvalidImageException TooLarge(string name, long width, long height) =>
        Create(
            TooLargeCode,
            name,
            null,
            "'{0}' is {1}x{2} pixels, more than the {3} pixels an image may have",
            name,
            width,
            height,
            MaxPixels);

    /// <summary>Throws <see cref="TooLarge"/> unless <paramref name="width"/> × <paramref name="height"/> is within <see
    /// cref="MaxPixels"/>.</summary>
    public static void CheckSize(string name, long width, long height)
    {
        if (width * height > MaxPixels)
        {
            throw TooLarge(name, width, height);
        }
    }

    private static InvalidImageException Create(string code, string name, Exception? inner, string template, params object[] args)
    {
        var message = string.Format(CultureInfo.InvariantCulture, template, args);
        return inner is null ? new InvalidImageException(code, name, message) : new InvalidImageException(code, name, message, inner);
    }

    private static string DescribeStart(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return "nothing: the file is empty";
        }

        var head = data[..Math.Min(8, data.Length)];
        return "bytes " + Convert.ToHexString(head);
    }
}
