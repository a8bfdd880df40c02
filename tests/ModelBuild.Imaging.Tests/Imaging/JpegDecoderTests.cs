using ModelBuild.Imaging;

namespace ModelBuild.Imaging.Tests.Imaging;

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
            ImageMagick.Convert(
                "-seed",
                "3",
                "-size",
                size,
                "plasma:fractal",
                "-quality",
                quality.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-sampling-factor",
                sampling,
                "-interlace",
                interlace,
                path);
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
        ImageMagick.Convert(
            "-seed",
            "5",
            "-size",
            "45x31",
            "plasma:fractal",
            "-colorspace",
            "Gray",
            "-quality",
            "80",
            "-interlace",
            interlace,
            path);

        var frame = ImageDecoder.DecodeFile(path);

        Assert.Equal(PixelFormat.Gray8, frame.Format);
        PixelAssert.Matches(ImageMagick.DecodeRaw(path, frame.Format), frame, tolerance: 1);
    }
}

public sealed class JpegFeatureTests : IDisposable
{
    private static readonly (int, int, int)[] Subsampled420 = [(1, 2, 2), (2, 1, 1), (3, 1, 1)];

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(100)]
    public void Restart_intervals_decode_as_ImageMagick_reads_them(int interval)
    {
        var colour = new JpegBuilder(37, 29, Subsampled420) { RestartInterval = interval, Seed = interval };
        var gray = new JpegBuilder(37, 29, (1, 1, 1)) { RestartInterval = interval, Seed = interval };

        var colourFrame = AssertSameAsImageMagick(colour.Build(), $"rst{interval}.jpg");
        var grayFrame = AssertSameAsImageMagick(gray.Build(), $"rstg{interval}.jpg");

        Assert.Equal((PixelFormat.Rgb24, PixelFormat.Gray8), (colourFrame.Format, grayFrame.Format));
    }

    [Fact]
    public void Restart_markers_change_nothing_in_the_pixels()
    {
        var without = ImageDecoder.Decode(new JpegBuilder(40, 24, Subsampled420) { Seed = 9 }.Build(), "a.jpg");
        var with = ImageDecoder.Decode(new JpegBuilder(40, 24, Subsampled420) { Seed = 9, RestartInterval = 1 }.Build(), "b.jpg");

        Assert.Equal(without.Pixels.ToArray(), with.Pixels.ToArray());
    }

    [Theory]
    [InlineData(false, 0, 1, 2, 3)]
    [InlineData(false, null, 'R', 'G', 'B')]
    [InlineData(true, null, 1, 2, 3)]
    public void Three_components_are_RGB_or_YCbCr_as_libjpeg_decides(bool jfif, int? adobe, int id0, int id1, int id2)
    {
        var builder = new JpegBuilder(19, 13, (id0, 1, 1), (id1, 1, 1), (id2, 1, 1)) { Jfif = jfif, AdobeTransform = adobe };

        AssertSameAsImageMagick(builder.Build(), $"rgb-{jfif}-{adobe}-{id0}.jpg");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Adobe_CMYK_and_YCCK_render_within_one_of_ImageMagick(int transform)
    {
        var builder = new JpegBuilder(21, 17, (1, 1, 1), (2, 1, 1), (3, 1, 1), (4, 1, 1)) { Jfif = false, AdobeTransform = transform };

        var frame = AssertSameAsImageMagick(builder.Build(), $"cmyk{transform}.jpg", tolerance: 1);

        Assert.Equal(PixelFormat.Rgb24, frame.Format);
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 1)]
    [InlineData(4, 2)]
    [InlineData(1, 4)]
    public void Unusual_subsampling_decodes_as_ImageMagick_reads_it(int h, int v)
    {
        foreach (var size in new[] { (37, 29), (3, 5), (64, 16) })
        {
            var builder = new JpegBuilder(size.Item1, size.Item2, (1, h, v), (2, 1, 1), (3, 1, 1)) { Seed = h * v };

            AssertSameAsImageMagick(builder.Build(), $"s{h}{v}-{size.Item1}.jpg");
        }
    }

    [Theory]
    [InlineData(0xC9, "arithmetic coding")]
    [InlineData(0xC3, "lossless coding (SOF3)")]
    [InlineData(0xC5, "hierarchical coding")]
    public void Unsupported_processes_are_named(byte marker, string feature)
    {
        var bytes = new JpegBuilder(8, 8, (1, 1, 1)).Build();
        bytes[bytes.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]) + 1] = marker;

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes, "u.jpg"));

        Assert.Equal($"MB8005: 'u.jpg' is a JPEG that uses {feature}, which is not supported", error.Message);
    }

    [Fact]
    public void Twelve_bit_samples_are_not_supported()
    {
        var bytes = new JpegBuilder(8, 8, (1, 1, 1)).Build();
        bytes[bytes.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]) + 4] = 12;

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes, "12.jpg"));

        Assert.Equal("MB8005: '12.jpg' is a JPEG that uses 12-bit samples, which is not supported", error.Message);
    }

    [Fact]
    public void Truncated_entropy_data_is_reported()
    {
        var bytes = new JpegBuilder(64, 64, Subsampled420).Build();

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes.AsSpan(0, bytes.Length * 2 / 3), "t.jpg"));

        Assert.Equal("MB8004: 't.jpg' is truncated: the JPEG data ends inside scan 1, before its last block", error.Message);
    }

    [Fact]
    public void Truncated_headers_are_reported()
    {
        var bytes = new JpegBuilder(16, 16, (1, 1, 1)).Build();
        var sof = bytes.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes.AsSpan(0, sof + 6), "h.jpg"));

        Assert.Equal($"MB8004: 'h.jpg' is truncated: the JPEG data ends inside the SOF0 segment at byte {sof}", error.Message);
    }

    [Fact]
    public void Wrong_restart_marker_is_reported()
    {
        var bytes = new JpegBuilder(32, 8, (1, 1, 1)) { RestartInterval = 1 }.Build();
        var rst1 = bytes.AsSpan().IndexOf([(byte)0xFF, (byte)0xD1]);
        bytes[rst1 + 1] = 0xD5;

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes, "r.jpg"));

        Assert.Equal("MB8003: 'r.jpg' is not a valid JPEG: scan 1 has marker 0xD5 where restart marker RST1 belongs", error.Message);
    }

    [Fact]
    public void Missing_quantisation_table_is_reported()
    {
        var bytes = new JpegBuilder(8, 8, (1, 1, 1)).Build();
        var sof = bytes.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        bytes[sof + 12] = 2; // component 1 now names table 2

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes, "q.jpg"));

        Assert.Equal("MB8003: 'q.jpg' is not a valid JPEG: component 1 uses quantisation table 2, which is not defined", error.Message);
    }

    private ImageFrame AssertSameAsImageMagick(byte[] jpeg, string name, int tolerance = 0)
    {
        var path = _folder.File(name);
        File.WriteAllBytes(path, jpeg);
        var frame = ImageDecoder.Decode(jpeg, path);
        PixelAssert.Matches(ImageMagick.DecodeRaw(path, frame.Format), frame, tolerance);
        return frame;
    }
}
