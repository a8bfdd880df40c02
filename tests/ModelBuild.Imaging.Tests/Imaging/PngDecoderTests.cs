using ModelBuild.Imaging;

namespace ModelBuild.Imaging.Tests.Imaging;

public sealed class PngDecoderTests : IDisposable
{
    private const string Plasma = "-seed 7 -size 37x23 plasma:fractal";
    private const string GradientAlpha = "( -size 37x23 gradient:white-black ) -alpha off -compose CopyOpacity -composite";

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("-colorspace Gray -define png:color-type=0 -define png:bit-depth=1 -depth 1", 0, 1)]
    [InlineData("-colorspace Gray -define png:color-type=0 -define png:bit-depth=2 -depth 2", 0, 2)]
    [InlineData("-colorspace Gray -define png:color-type=0 -define png:bit-depth=4 -depth 4", 0, 4)]
    [InlineData("-colorspace Gray -define png:color-type=0 -define png:bit-depth=8 -depth 8", 0, 8)]
    [InlineData("-colorspace Gray -define png:color-type=0 -define png:bit-depth=16 -depth 16", 0, 16)]
    [InlineData("-define png:color-type=2 -depth 8", 2, 8)]
    [InlineData("-define png:color-type=2 -depth 16", 2, 16)]
    [InlineData("+dither -colors 200 -type Palette -define png:color-type=3", 3, 8)]
    [InlineData(GradientAlpha + " -colorspace Gray -define png:color-type=4 -depth 8", 4, 8)]
    [InlineData(GradientAlpha + " -colorspace Gray -define png:color-type=4 -depth 16", 4, 16)]
    [InlineData(GradientAlpha + " -define png:color-type=6 -depth 8", 6, 8)]
    [InlineData(GradientAlpha + " -define png:color-type=6 -depth 16", 6, 16)]
    public void ImageMagick_written_png_decodes_exactly_as_ImageMagick_reads_it(string options, int colorType, int bitDepth)
    {
        foreach (var interlace in new[] { "None", "PNG" })
        {
            var path = _folder.File($"t{colorType}d{bitDepth}{interlace}.png");
            ImageMagick.Convert([.. Plasma.Split(' '), .. options.Split(' '), "-interlace", interlace, path]);
            var bytes = File.ReadAllBytes(path);
            Assert.Equal((bitDepth, colorType, interlace == "PNG" ? 1 : 0), (bytes[24], bytes[25], bytes[28]));

            var frame = ImageDecoder.Decode(bytes, path);

            Assert.Equal((37, 23), (frame.Width, frame.Height));
            PixelAssert.Matches(ImageMagick.DecodeRaw(path, frame.Format), frame);
        }
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(0, 2)]
    [InlineData(0, 4)]
    [InlineData(0, 8)]
    [InlineData(0, 16)]
    [InlineData(2, 8)]
    [InlineData(2, 16)]
    [InlineData(3, 1)]
    [InlineData(3, 2)]
    [InlineData(3, 4)]
    [InlineData(3, 8)]
    [InlineData(4, 8)]
    [InlineData(4, 16)]
    [InlineData(6, 8)]
    [InlineData(6, 16)]
    public void Every_filter_type_and_interlacing_decodes_as_ImageMagick_reads_it(int colorType, int bitDepth)
    {
        for (var filter = 0; filter <= 5; filter++)
        {
            foreach (var interlaced in new[] { false, true })
            {
                // Filter 5 here means "rotate through all five", mixing them row by row.
                var fixedFilter = filter;
                var builder = new PngBuilder(13, 11, bitDepth, colorType)
                {
                    Interlaced = interlaced,
                    FilterOfRow = n => fixedFilter == 5 ? n % 5 : fixedFilter,
                };
                if (colorType == 3)
                {
                    builder.Palette = RandomBytes(3 << bitDepth, seed: bitDepth);
                    builder.WithRandomSamples(seed: filter, maxValue: (1 << bitDepth) - 1);
                }
                else
                {
                    builder.WithRandomSamples(seed: filter);
                }

                AssertSameAsImageMagick(builder.Build(), $"f{filter}i{interlaced}.png");
            }
        }
    }

    [Fact]
    public void Grey_tRNS_makes_matching_pixels_transparent_at_every_bit_depth()
    {
        foreach (var depth in new[] { 1, 2, 4, 8, 16 })
        {
            var builder = new PngBuilder(9, 7, depth, 0).WithRandomSamples(seed: depth);
            var transparent = builder.Samples[3];
            builder.Transparency = [(byte)(transparent >> 8), (byte)transparent];

            var frame = AssertSameAsImageMagick(builder.Build(), $"gt{depth}.png");

            Assert.Equal(PixelFormat.Rgba32, frame.Format);
            Assert.Equal(0, frame.Pixels.Span[(3 * 4) + 3]);
        }
    }

    [Fact]
    public void Rgb_tRNS_makes_matching_pixels_transparent()
    {
        foreach (var depth in new[] { 8, 16 })
        {
            var builder = new PngBuilder(9, 7, depth, 2).WithRandomSamples(seed: depth, maxValue: 3);
            builder.Samples[12] = 2;
            builder.Samples[13] = 1;
            builder.Samples[14] = 3;
            builder.Transparency = [0, 2, 0, 1, 0, 3];

            var frame = AssertSameAsImageMagick(builder.Build(), $"rt{depth}.png");

            Assert.Equal(0, frame.Pixels.Span[(4 * 4) + 3]);
            Assert.Contains((byte)255, frame.Pixels.ToArray().Where((_, i) => i % 4 == 3));
        }
    }

    [Fact]
    public void Palette_tRNS_gives_per_entry_alpha_and_shorter_tRNS_leaves_the_rest_opaque()
    {
        var builder = new PngBuilder(16, 4, 4, 3)
        {
            Palette = RandomBytes(16 * 3, seed: 3),
            Transparency = [0, 64, 128, 200, 255, 10],
            Samples = Enumerable.Range(0, 64).Select(i => i % 16).ToArray(),
        };

        var frame = AssertSameAsImageMagick(builder.Build(), "pt.png");

        Assert.Equal(PixelFormat.Rgba32, frame.Format);
        Assert.Equal(
            new byte[] { 0, 64, 128, 200, 255, 10, 255, 255 },
            Enumerable.Range(0, 8).Select(i => frame.Pixels.Span[(i * 4) + 3]).ToArray());
    }

    [Fact]
    public void Image_data_split_over_many_IDAT_chunks_decodes_like_one()
    {
        var builder = new PngBuilder(31, 17, 8, 6).WithRandomSamples(seed: 5);
        var single = ImageDecoder.Decode(builder.Build(), "one.png");
        builder.IdatChunkCount = 9;

        var split = ImageDecoder.Decode(builder.Build(), "nine.png");

        Assert.Equal(single.Pixels.ToArray(), split.Pixels.ToArray());
    }

    [Fact]
    public void Unknown_ancillary_chunks_are_skipped()
    {
        var builder = new PngBuilder(5, 5, 8, 2).WithRandomSamples(seed: 1);
        var plain = ImageDecoder.Decode(builder.Build(), "plain.png");
        builder.ExtraChunks.Add(("abCd", [1, 2, 3]));
        builder.ExtraChunks.Add(("tEXt", "Comment\0hello"u8.ToArray()));

        var withChunks = ImageDecoder.Decode(builder.Build(), "extra.png");

        Assert.Equal(plain.Pixels.ToArray(), withChunks.Pixels.ToArray());
    }

    [Fact]
    public void Unknown_critical_chunk_is_rejected_by_name()
    {
        var builder = new PngBuilder(5, 5, 8, 2).WithRandomSamples(seed: 1);
        builder.ExtraChunks.Add(("ZZZZ", [1]));

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(builder.Build(), "crit.png"));

        Assert.Equal("MB8001", error.Code);
        Assert.Equal(
            "MB8001: 'crit.png' is not a valid PNG: it has the critical chunk 'ZZZZ', which this decoder does not know",
            error.Message);
    }

    [Fact]
    public void Bad_CRC_names_the_chunk()
    {
        var bytes = new PngBuilder(5, 5, 8, 2).WithRandomSamples(seed: 1).Build();
        var idat = IndexOf(bytes, "IDAT"u8);
        bytes[idat + 6] ^= 0x40;

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes, "x.png"));

        Assert.Equal("MB8001: 'x.png' is not a valid PNG: bad CRC in IDAT chunk", error.Message);
    }

    [Fact]
    public void Bad_CRC_in_an_ancillary_chunk_drops_only_that_chunk()
    {
        var builder = new PngBuilder(6, 2, 8, 0) { Samples = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], Transparency = [0, 3] };
        var bytes = builder.Build();
        var trns = IndexOf(bytes, "tRNS"u8);
        bytes[trns + 5] ^= 0x01;

        var frame = ImageDecoder.Decode(bytes, "x.png");

        Assert.Equal(PixelFormat.Gray8, frame.Format);
    }

    [Fact]
    public void Truncated_file_is_reported_at_every_cut()
    {
        var bytes = new PngBuilder(20, 20, 8, 6).WithRandomSamples(seed: 2).Build();
        for (var length = 8; length < bytes.Length; length += 7)
        {
            var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes.AsSpan(0, length), "cut.png"));
            Assert.Equal("MB8004", error.Code);
            Assert.StartsWith("MB8004: 'cut.png' is truncated: the PNG data ends ", error.Message);
        }
    }

    [Fact]
    public void Image_data_shorter_than_the_image_is_reported_as_truncated()
    {
        var full = new PngBuilder(8, 8, 8, 0).WithRandomSamples(seed: 2);
        var half = new PngBuilder(8, 4, 8, 0) { Samples = full.Samples[..32] }.Build();
        // Claim 8 rows in IHDR while IDAT holds 4 (fixing the IHDR CRC).
        half[23] = 8;
        var crc = PngBuilder.Crc(half[12..29]);
        half[29] = (byte)(crc >> 24);
        half[30] = (byte)(crc >> 16);
        half[31] = (byte)(crc >> 8);
        half[32] = (byte)crc;

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(half, "short.png"));

        Assert.Equal(
            "MB8004: 'short.png' is truncated: the PNG data ends after 36 of the 72 bytes of image data the IDAT chunks must decompress to",
            error.Message);
    }

    [Theory]
    [InlineData(2, 4, "IHDR gives bit depth 4 for colour type 2, which PNG does not allow")]
    [InlineData(3, 16, "IHDR gives bit depth 16 for colour type 3, which PNG does not allow")]
    [InlineData(5, 8, "IHDR gives colour type 5; valid types are 0, 2, 3, 4 and 6")]
    public void Invalid_IHDR_is_rejected_with_the_reason(int colorType, int bitDepth, string reason)
    {
        var bytes = new PngBuilder(4, 4, bitDepth, colorType) { Samples = new int[64] }.Build();

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes, "h.png"));

        Assert.Equal($"MB8001: 'h.png' is not a valid PNG: {reason}", error.Message);
    }

    [Fact]
    public void Unknown_filter_type_is_rejected()
    {
        var builder = new PngBuilder(4, 4, 8, 0) { Samples = new int[16], FilterOfRow = n => n == 2 ? 7 : 0 };

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(builder.Build(), "f.png"));

        Assert.Equal("MB8001: 'f.png' is not a valid PNG: scanline 2 uses the unknown filter type 7", error.Message);
    }

    [Fact]
    public void Palette_image_without_PLTE_is_rejected()
    {
        var bytes = new PngBuilder(4, 4, 8, 3) { Samples = new int[16] }.Build();

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes, "p.png"));

        Assert.Equal("MB8001: 'p.png' is not a valid PNG: it has colour type 3 (palette) but no PLTE chunk", error.Message);
    }

    [Fact]
    public void Corrupt_deflate_stream_is_reported()
    {
        var bytes = new PngBuilder(16, 16, 8, 2).WithRandomSamples(seed: 4).Build();
        var idat = IndexOf(bytes, "IDAT"u8);
        var length = (bytes[idat - 4] << 24) | (bytes[idat - 3] << 16) | (bytes[idat - 2] << 8) | bytes[idat - 1];
        bytes[idat + 4] = 0x78;
        bytes[idat + 5] = 0x01;
        bytes[idat + 6] = 0xFF; // a reserved block type (BTYPE=11)
        var crc = PngBuilder.Crc(bytes[idat..(idat + 4 + length)]);
        bytes[idat + 4 + length] = (byte)(crc >> 24);
        bytes[idat + 5 + length] = (byte)(crc >> 16);
        bytes[idat + 6 + length] = (byte)(crc >> 8);
        bytes[idat + 7 + length] = (byte)crc;

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes, "z.png"));

        Assert.Equal("MB8001: 'z.png' is not a valid PNG: the compressed image data (IDAT) is corrupt", error.Message);
    }

    private ImageFrame AssertSameAsImageMagick(byte[] png, string name)
    {
        var path = _folder.File(name);
        File.WriteAllBytes(path, png);
        var frame = ImageDecoder.Decode(png, path);
        PixelAssert.Matches(ImageMagick.DecodeRaw(path, frame.Format), frame);
        return frame;
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
