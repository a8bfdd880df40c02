using ModelBuild.Imaging;

namespace ModelBuild.Runtime.Tests.Imaging;

public sealed class JpegDecoderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("4:4:4", 90, "None")]
    [InlineData("4:2:2", 90, "None")]
    [InlineData("4:2:0", 90, "None")]
    [InlineData("4:2:0", 40, "None")]
    [InlineData("4:2:0", 100, "None")]
    [InlineData("4:4:4", 75, "JPEG")]
    [InlineData("4:2:2", 75, "JPEG")]
    [InlineData("4:2:0", 75, "JPEG")]
    [InlineData("4:1:1", 85, "None")]
    [InlineData("4:4:0", 85, "None")]
    [InlineData("4:4:0", 85, "JPEG")]
    public void ImageMagick_written_jpeg_decodes_within_one_of_ImageMagick(string sampling, int quality, string interlace)
    {
        foreach (var size in new[] { "37x23", "64x48", "1x1", "2x9", "17x3" })
        {
            var path = _folder.File($"q{quality}-{sampling.Replace(':', '_')}-{interlace}-{size}.jpg");
            ImageMagick.Convert("-seed", "3", "-size", size, "plasma:fractal", "-quality", quality.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sampling-factor", sampling, "-interlace", interlace, path);
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(interlace == "JPEG", bytes.AsSpan().IndexOf([(byte)0xFF, (byte)0xC2]) >= 0);

            var frame = ImageDecoder.Decode(bytes, path);

            Assert.Equal(PixelFormat.Rgb24, frame.Format);
            PixelAssert.Matches(ImageMagick.DecodeRaw(path, frame.Format), frame, tolerance: 1);
        }
    }

    [Theory]
    [InlineData("None")]
    [InlineData("JPEG")]
    public void Grayscale_jpeg_decodes_within_one_of_ImageMagick(string interlace)
    {
        var path = _folder.File($"gray-{interlace}.jpg");
        ImageMagick.Convert("-seed", "5", "-size", "45x31", "plasma:fractal", "-colorspace", "Gray", "-quality", "80", "-interlace", interlace, path);

        var frame = ImageDecoder.DecodeFile(path);

        Assert.Equal(PixelFormat.Gray8, frame.Format);
        PixelAssert.Matches(ImageMagick.DecodeRaw(path, frame.Format), frame, tolerance: 1);
    }
}
