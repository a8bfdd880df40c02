using System.Buffers.Binary;
using ModelBuild.Imaging;

namespace ModelBuild.Imaging.Tests.Imaging;

public sealed class BmpDecoderTests : IDisposable
{
    private const string Plasma = "-seed 11 -size 37x23 plasma:fractal";
    private const string GradientAlpha = "( -size 37x23 gradient:white-black ) -alpha off -compose CopyOpacity -composite";

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("-type TrueColor", "BMP3", 40, 24, 0, PixelFormat.Rgb24)]
    [InlineData(GradientAlpha + " -define bmp3:alpha=true", "BMP3", 40, 32, 0, PixelFormat.Rgba32)]
    [InlineData(GradientAlpha, "BMP", 124, 32, 3, PixelFormat.Rgba32)]
    [InlineData("-type TrueColor", "BMP", 124, 24, 0, PixelFormat.Rgb24)]
    [InlineData("-define bmp:subtype=RGB565", "BMP", 124, 16, 3, PixelFormat.Rgb24)]
    [InlineData("-define bmp:subtype=RGB555", "BMP", 124, 16, 3, PixelFormat.Rgb24)]
    [InlineData("+dither -colors 200 -type Palette -compress None", "BMP3", 40, 8, 0, PixelFormat.Rgb24)]
    [InlineData("+dither -colors 12 -type Palette -compress None", "BMP3", 40, 4, 0, PixelFormat.Rgb24)]
    [InlineData("-monochrome", "BMP3", 40, 1, 0, PixelFormat.Rgb24)]
    public void ImageMagick_written_bmp_decodes_exactly_as_ImageMagick_reads_it(
        string options,
        string coder,
        int headerSize,
        int bitsPerPixel,
        int compression,
        PixelFormat format)
    {
        var path = Write(options, coder, $"{coder}-{bitsPerPixel}-{compression}.bmp");
        var bytes = File.ReadAllBytes(path);
        Assert.Equal((headerSize, bitsPerPixel, compression), (BinaryPrimitives.ReadInt32LittleEndian(
            bytes.AsSpan(14)), (int)BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(28)), BinaryPrimitives.ReadInt32LittleEndian(
                bytes.AsSpan(30))));

        var frame = ImageDecoder.Decode(bytes, path);

        Assert.Equal((37, 23, format), (frame.Width, frame.Height, frame.Format));
        PixelAssert.Matches(ImageMagick.DecodeRaw(path, frame.Format), frame);
    }

    [Fact]
    public void OS2_core_header_decodes_as_ImageMagick_reads_it()
    {
        var path = Write("-type TrueColor", "BMP2", "core.bmp");
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(12, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(14)));

        var frame = ImageDecoder.Decode(bytes, path);

        PixelAssert.Matches(ImageMagick.DecodeRaw(path, frame.Format), frame);
    }

    [Theory]
    [InlineData("-type TrueColor", "BMP3")]
    [InlineData(GradientAlpha + " -define bmp3:alpha=true", "BMP3")]
    [InlineData("+dither -colors 12 -type Palette -compress None", "BMP3")]
    public void Top_down_rows_decode_to_the_same_image_as_bottom_up(string options, string coder)
    {
        var path = Write(options, coder, "bottomup.bmp");
        var bottomUp = File.ReadAllBytes(path);
        var topDown = FlipToTopDown(bottomUp);
        var topDownPath = _folder.File("topdown.bmp");
        File.WriteAllBytes(topDownPath, topDown);

        var expected = ImageDecoder.Decode(bottomUp, path);
        var actual = ImageDecoder.Decode(topDown, topDownPath);

        Assert.Equal(expected.Pixels.ToArray(), actual.Pixels.ToArray());
        PixelAssert.Matches(ImageMagick.DecodeRaw(topDownPath, actual.Format), actual);
    }

    [Fact]
    public void Thirty_two_bit_image_whose_alpha_is_zero_everywhere_is_opaque()
    {
        var path = Write(GradientAlpha + " -define bmp3:alpha=true", "BMP3", "x0.bmp");
        var bytes = File.ReadAllBytes(path);
        for (var i = 54 + 3; i < bytes.Length; i += 4)
        {
            bytes[i] = 0;
        }

        File.WriteAllBytes(path, bytes);

        var frame = ImageDecoder.Decode(bytes, path);

        Assert.Equal(PixelFormat.Rgb24, frame.Format);
        PixelAssert.Matches(ImageMagick.DecodeRaw(path, frame.Format), frame);
    }

    [Fact]
    public void Rle_compression_is_reported_as_not_supported()
    {
        var path = Write("+dither -colors 200 -type Palette -compress RLE", "BMP3", "rle.bmp");

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.DecodeFile(path));

        Assert.Equal($"MB8005: '{path}' is a BMP that uses RLE8 compression, which is not supported", error.Message);
    }

    [Fact]
    public void Truncated_pixel_rows_are_reported()
    {
        var path = Write("-type TrueColor", "BMP3", "cut.bmp");
        var bytes = File.ReadAllBytes(path)[..1000];

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes, "cut.bmp"));

        Assert.Equal("MB8004: 'cut.bmp' is truncated: the BMP data ends inside the pixel rows (they start at byte 54 and need 2576 " +
            "bytes; the file has 1000)", error.Message);
    }

    [Fact]
    public void Unknown_header_size_is_rejected()
    {
        var path = Write("-type TrueColor", "BMP3", "h.bmp");
        var bytes = File.ReadAllBytes(path);
        bytes[14] = 20;

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes, "h.bmp"));

        Assert.Equal(
            "MB8002: 'h.bmp' is not a valid BMP: its header size is 20; known headers have 12, 40, 52, 56, 64, 108 or 124 bytes",
            error.Message);
    }

    private string Write(string options, string coder, string name)
    {
        var path = _folder.File(name);
        ImageMagick.Convert([.. Plasma.Split(' '), .. options.Split(' '), $"{coder}:{path}"]);
        return path;
    }

    private static byte[] FlipToTopDown(byte[] bottomUp)
    {
        var offset = BinaryPrimitives.ReadInt32LittleEndian(bottomUp.AsSpan(10));
        var width = BinaryPrimitives.ReadInt32LittleEndian(bottomUp.AsSpan(18));
        var height = BinaryPrimitives.ReadInt32LittleEndian(bottomUp.AsSpan(22));
        int bpp = BinaryPrimitives.ReadUInt16LittleEndian(bottomUp.AsSpan(28));
        var stride = ((width * bpp) + 31) / 32 * 4;
        var flipped = (byte[])bottomUp.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(flipped.AsSpan(22), -height);
        for (var y = 0; y < height; y++)
        {
            bottomUp.AsSpan(offset + (y * stride), stride).CopyTo(flipped.AsSpan(offset + ((height - 1 - y) * stride)));
        }

        return flipped;
    }
}
