using ModelBuild.Imaging;
using ModelBuild.Imaging.Preprocessing;

namespace ModelBuild.Imaging.Tests.Imaging.Preprocessing;

public sealed class ImagePreprocessorTests : IDisposable
{
    private static readonly float[] Mean = [10f, 20f, 30f];
    private static readonly float[] Scale = [2f, 4f, 8f];

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(ColorEncoding.Rgb, TensorLayout.Nchw)]
    [InlineData(ColorEncoding.Rgb, TensorLayout.Nhwc)]
    [InlineData(ColorEncoding.Bgr, TensorLayout.Nchw)]
    [InlineData(ColorEncoding.Bgr, TensorLayout.Nhwc)]
    public void Red_left_blue_right_png_lands_in_the_right_channels_end_to_end(ColorEncoding encoding, TensorLayout layout)
    {
        // A real file: ImageMagick writes 8x4 red then 8x4 blue side by side.
        var path = _folder.File("redblue.png");
        ImageMagick.Convert("-size", "8x4", "xc:red", "xc:blue", "+append", "-define", "png:color-type=2", path);
        var frame = ImageDecoder.DecodeFile(path);
        var preprocessor = new ImagePreprocessor(new PreprocessingOptions
        {
            Width = 16,
            Height = 4,
            Encoding = encoding,
            Layout = layout,
            Mean = Mean,
            Scale = Scale,
        });

        var result = preprocessor.ToFloat(frame);

        Assert.Equal(layout == TensorLayout.Nchw ? [1L, 3, 4, 16] : [1L, 4, 16, 3], result.Shape);
        // Channel index of red and blue in the tensor: RGB puts red first, BGR puts blue first.
        var (redChannel, blueChannel) = encoding == ColorEncoding.Rgb ? (0, 2) : (2, 0);
        foreach (var (x, y) in new[] { (0, 0), (7, 3), (8, 0), (15, 2) })
        {
            var left = x < 8;
            for (var c = 0; c < 3; c++)
            {
                var raw = (c == redChannel && left) || (c == blueChannel && !left) ? 255f : 0f;
                var index = layout == TensorLayout.Nchw ? (c * 64) + (y * 16) + x : (((y * 16) + x) * 3) + c;
                Assert.Equal((raw - Mean[c]) / Scale[c], result.Data[index]);
            }
        }
    }

    [Fact]
    public void Raw_bytes_keep_values_and_ignore_mean_and_scale()
    {
        var frame = RedBlue(4, 2);
        var options = new PreprocessingOptions
        {
            Width = 4,
            Height = 2,
            Encoding = ColorEncoding.Rgb,
            Layout = TensorLayout.Nchw,
            Mean = Mean,
            Scale = Scale
        };

        var planar = new ImagePreprocessor(options).ToBytes(frame);
        var interleaved = new ImagePreprocessor(options with { Layout = TensorLayout.Nhwc }).ToBytes(frame);

        Assert.Equal(new byte[] { 255, 255, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 255, 255 }, planar.Data);
        Assert.Equal(new long[] { 1, 3, 2, 4 }, planar.Shape);
        Assert.Equal(new byte[] { 255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255 }, interleaved.Data[..12]);
    }

    [Fact]
    public void Gray_uses_OpenCV_weights_and_gives_one_channel()
    {
        var frame = new ImageFrame(3, 1, PixelFormat.Rgba32, [255, 0, 0, 7, 0, 255, 0, 7, 0, 0, 255, 7]);
        var preprocessor = new ImagePreprocessor(new PreprocessingOptions { Width = 3, Height = 1, Encoding = ColorEncoding.Gray });

        var result = preprocessor.ToBytes(frame);

        // OpenCV's cvtColor(COLOR_RGB2GRAY) of pure red, green and blue.
        Assert.Equal(new byte[] { 76, 150, 29 }, result.Data);
        Assert.Equal(new long[] { 1, 1, 1, 3 }, result.Shape);
    }

    [Fact]
    public void Grey_image_fills_all_three_channels_and_alpha_is_dropped()
    {
        var gray = new ImageFrame(2, 1, PixelFormat.Gray8, [40, 200]);
        var rgba = new ImageFrame(2, 1, PixelFormat.Rgba32, [1, 2, 3, 0, 4, 5, 6, 0]);
        var preprocessor = new ImagePreprocessor(
            new PreprocessingOptions { Width = 2, Height = 1, Encoding = ColorEncoding.Bgr, Layout = TensorLayout.Nhwc });

        Assert.Equal(new byte[] { 40, 40, 40, 200, 200, 200 }, preprocessor.ToBytes(gray).Data);
        Assert.Equal(new byte[] { 3, 2, 1, 6, 5, 4 }, preprocessor.ToBytes(rgba).Data);
    }

    [Fact]
    public void Crop_takes_the_centre_window_without_scaling()
    {
        var frame = Numbered(7, 5);
        var preprocessor = new ImagePreprocessor(
            new PreprocessingOptions { Width = 3, Height = 3, ResizeMethod = ResizeMethod.Crop, Encoding = ColorEncoding.Gray });

        var result = preprocessor.ToBytes(frame).Data;

        // Offsets (7-3)/2 = 2 and (5-3)/2 = 1.
        Assert.Equal(new byte[] { 9, 10, 11, 16, 17, 18, 23, 24, 25 }, result);
    }

    [Fact]
    public void Crop_of_a_smaller_image_centres_it_on_black()
    {
        var frame = Numbered(2, 3, first: 1);
        var preprocessor = new ImagePreprocessor(
            new PreprocessingOptions { Width = 5, Height = 3, ResizeMethod = ResizeMethod.Crop, Encoding = ColorEncoding.Gray });

        var result = preprocessor.ToBytes(frame).Data;

        Assert.Equal(new byte[] { 0, 1, 2, 0, 0, 0, 3, 4, 0, 0, 0, 5, 6, 0, 0 }, result);
    }

    [Fact]
    public void Pad_keeps_aspect_ratio_and_centres_on_black()
    {
        var frame = new ImageFrame(8, 4, PixelFormat.Gray8, Enumerable.Repeat((byte)200, 32).ToArray());
        var preprocessor = new ImagePreprocessor(new PreprocessingOptions
        {
            Width = 4,
            Height = 4,
            ResizeMethod = ResizeMethod.Pad,
            Encoding = ColorEncoding.Gray,
            Mean = [100f],
            Scale = [50f]
        });

        var result = preprocessor.ToFloat(frame).Data;

        // 8x4 fits 4x4 as 4x2, placed at rows 1-2.
        var black = (0f - 100f) / 50f;
        var image = (200f - 100f) / 50f;
        Assert.All(result[..4], v => Assert.Equal(black, v));
        Assert.All(result[4..12], v => Assert.Equal(image, v));
        Assert.All(result[12..], v => Assert.Equal(black, v));
    }

    [Fact]
    public void Pad_right_scales_to_the_height_keeping_the_aspect_ratio_and_leaves_zeros_on_the_right_after_normalisation()
    {
        // 3x2 at height 4 is ceil(4 * 1.5) = 6 columns wide; the input is 8 wide, so columns 6 and 7 are padding.
        var frame = Numbered(3, 2, first: 10);
        var options = new PreprocessingOptions
        {
            Width = 8,
            Height = 4,
            ResizeMethod = ResizeMethod.PadRight,
            Encoding = ColorEncoding.Gray,
            Mean = [100f],
            Scale = [50f]
        };

        var result = new ImagePreprocessor(options).ToFloat(frame).Data;

        var scaled = new byte[6 * 4];
        BilinearResizer.Resize([10, 11, 12, 13, 14, 15], 3, 2, 1, scaled, 6, 4);
        for (var y = 0; y < 4; y++)
        {
            Assert.Equal(scaled[(y * 6)..((y * 6) + 6)].Select(v => (v - 100f) / 50f), result[(y * 8)..((y * 8) + 6)]);
            // 0, as PaddleOCR's np.zeros, not (0 - 100) / 50.
            Assert.Equal([0f, 0f], result[((y * 8) + 6)..((y * 8) + 8)]);
        }
    }

    [Fact]
    public void Writing_into_a_reused_batch_buffer_gives_ToFloat_and_ToBytes_exactly_and_clears_old_padding()
    {
        var options = new PreprocessingOptions { Width = 8, Height = 4, ResizeMethod = ResizeMethod.PadRight, Mean = Mean, Scale = Scale };
        var preprocessor = new ImagePreprocessor(options);
        var (wide, narrow) = (RedBlue(20, 2), Numbered(3, 2, first: 10));
        var floats = new float[2 * preprocessor.ElementCount];
        var bytes = new byte[2 * preprocessor.ElementCount];

        // The wide image fills every column first; the narrow one written over it must leave zeros on the right.
        preprocessor.WriteFloat(wide, floats.AsSpan(preprocessor.ElementCount));
        preprocessor.WriteFloat(narrow, floats.AsSpan(preprocessor.ElementCount));
        preprocessor.WriteFloat(wide, floats.AsSpan(0, preprocessor.ElementCount));
        preprocessor.WriteBytes(narrow, bytes.AsSpan(preprocessor.ElementCount));

        Assert.Equal(preprocessor.ToFloat(wide).Data, floats[..preprocessor.ElementCount]);
        Assert.Equal(preprocessor.ToFloat(narrow).Data, floats[preprocessor.ElementCount..]);
        Assert.Equal(preprocessor.ToBytes(narrow).Data, bytes[preprocessor.ElementCount..]);
        Assert.Throws<ArgumentException>(() => preprocessor.WriteFloat(wide, floats));
    }

    [Fact]
    public void Pad_right_of_an_image_wider_than_the_input_stretches_it_to_the_width_like_resize()
    {
        var frame = RedBlue(20, 2);
        var padRight = new PreprocessingOptions
        {
            Width = 8,
            Height = 4,
            ResizeMethod = ResizeMethod.PadRight,
            Mean = Mean,
            Scale = Scale,
            Layout = TensorLayout.Nhwc
        };

        var result = new ImagePreprocessor(padRight).ToFloat(frame).Data;

        Assert.Equal(new ImagePreprocessor(padRight with { ResizeMethod = ResizeMethod.Resize }).ToFloat(frame).Data, result);
    }

    [Fact]
    public void Pad_right_raw_bytes_are_zero_in_the_padding_and_planar_in_NCHW()
    {
        var frame = new ImageFrame(1, 2, PixelFormat.Rgb24, [1, 2, 3, 1, 2, 3]);
        var options = new PreprocessingOptions
        {
            Width = 3,
            Height = 2,
            ResizeMethod = ResizeMethod.PadRight,
            Encoding = ColorEncoding.Rgb
        };

        var result = new ImagePreprocessor(options).ToBytes(frame).Data;

        // Each channel's 2x3 plane: the image's one column, then two of padding.
        Assert.Equal(new byte[] { 1, 0, 0, 1, 0, 0, 2, 0, 0, 2, 0, 0, 3, 0, 0, 3, 0, 0 }, result);
    }

    [Fact]
    public void Resize_matches_OpenCV_on_a_two_pixel_upscale()
    {
        var destination = new byte[4];

        BilinearResizer.Resize([0, 255], 2, 1, 1, destination, 4, 1);

        // cv2.resize(np.uint8([[0, 255]]), (4, 1)) with INTER_LINEAR.
        Assert.Equal(new byte[] { 0, 64, 191, 255 }, destination);
    }

    [Fact]
    public void Halving_averages_two_by_two_blocks_with_rounding()
    {
        var frame = Numbered(6, 4, first: 3, step: 7);
        var source = frame.Pixels.ToArray();
        var destination = new byte[6];

        BilinearResizer.Resize(source, 6, 4, 1, destination, 3, 2);

        for (var y = 0; y < 2; y++)
        {
            for (var x = 0; x < 3; x++)
            {
                int At(int dx, int dy) => source[(((2 * y) + dy) * 6) + (2 * x) + dx];
                Assert.Equal((At(0, 0) + At(1, 0) + At(0, 1) + At(1, 1) + 2) >> 2, destination[(y * 3) + x]);
            }
        }
    }

    [Theory]
    [InlineData(37, 23, 16, 16)]
    [InlineData(16, 9, 41, 30)]
    [InlineData(50, 50, 7, 13)]
    public void Resize_stays_within_one_of_exact_half_pixel_bilinear(int sourceWidth, int sourceHeight, int width, int height)
    {
        var random = new Random(sourceWidth * height);
        var source = new byte[sourceWidth * sourceHeight * 3];
        random.NextBytes(source);
        var destination = new byte[width * height * 3];

        BilinearResizer.Resize(source, sourceWidth, sourceHeight, 3, destination, width, height);

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var expected = ExactBilinear(source, sourceWidth, sourceHeight, 3, c, x, y, width, height);
                    Assert.InRange(destination[(((y * width) + x) * 3) + c], expected - 1, expected + 1);
                }
            }
        }
    }

    [Theory]
    [InlineData(new[] { 1f, 2f }, new float[0], "Mean has 2 values")]
    [InlineData(new float[0], new[] { 1f, 0f, 1f }, "Scale values must not be zero")]
    public void Invalid_normalisation_is_refused(float[] mean, float[] scale, string message)
    {
        var error = Assert.Throws<ArgumentException>(
            () => new ImagePreprocessor(new PreprocessingOptions { Width = 2, Height = 2, Mean = mean, Scale = scale }));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    private static double ExactBilinear(
        byte[] source,
        int sourceWidth,
        int sourceHeight,
        int channels,
        int c,
        int x,
        int y,
        int width,
        int height)
    {
        static (int, int, double) Tap(int d, int sourceSize, int size)
        {
            var f = ((d + 0.5) * sourceSize / size) - 0.5;
            f = Math.Clamp(f, 0, sourceSize - 1);
            var i = (int)Math.Floor(f);
            return (i, Math.Min(i + 1, sourceSize - 1), f - i);
        }

        var (x0, x1, fx) = Tap(x, sourceWidth, width);
        var (y0, y1, fy) = Tap(y, sourceHeight, height);
        double At(int xx, int yy) => source[(((yy * sourceWidth) + xx) * channels) + c];
        var top = (At(x0, y0) * (1 - fx)) + (At(x1, y0) * fx);
        var bottom = (At(x0, y1) * (1 - fx)) + (At(x1, y1) * fx);
        return Math.Round((top * (1 - fy)) + (bottom * fy));
    }

    private static ImageFrame RedBlue(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                pixels[(((y * width) + x) * 3) + (x < width / 2 ? 0 : 2)] = 255;
            }
        }

        return new ImageFrame(width, height, PixelFormat.Rgb24, pixels);
    }

    private static ImageFrame Numbered(int width, int height, int first = 0, int step = 1) =>
        new(width, height, PixelFormat.Gray8, Enumerable.Range(0, width * height).Select(i => (byte)(first + (i * step))).ToArray());
}
