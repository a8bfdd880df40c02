using ModelBuild.Imaging.Preprocessing;

namespace ModelBuild.Imaging.Tests.Imaging.Preprocessing;

public sealed class ModelInputPreprocessingTests
{
    [Fact]
    public void An_accessor_description_becomes_the_options_in_the_manifests_spellings()
    {
        var options = ModelInputPreprocessing.For([1, 3, 48, 192], "NCHW", "BGR", [127.5], [127.5], "PAD_RIGHT");

        Assert.Equal(192, options.Width);
        Assert.Equal(48, options.Height);
        Assert.Equal(ResizeMethod.PadRight, options.ResizeMethod);
        Assert.Equal(ColorEncoding.Bgr, options.Encoding);
        Assert.Equal(TensorLayout.Nchw, options.Layout);
        Assert.Equal([127.5f], options.Mean);
        Assert.Equal([127.5f], options.Scale);
    }

    [Fact]
    public void Layout_defaults_to_NCHW_resize_to_RESIZE_and_HWC_without_a_batch_is_channels_last()
    {
        var defaults = ModelInputPreprocessing.For([1, 3, 4, 6], layout: null, "RGB", mean: null, scale: null, resizeMethod: null);
        var hwc = ModelInputPreprocessing.For([4, 6, 1], "HWC", "GRAY", null, null, "CROP");

        Assert.Equal(
            (6, 4, ResizeMethod.Resize, TensorLayout.Nchw),
            (defaults.Width, defaults.Height, defaults.ResizeMethod, defaults.Layout));
        Assert.Empty(defaults.Mean);
        Assert.Equal((6, 4, ResizeMethod.Crop, TensorLayout.Nhwc, 1), (hwc.Width, hwc.Height, hwc.ResizeMethod, hwc.Layout, hwc.Channels));
    }

    [Theory]
    [InlineData(new long[] { 1, 3, 4, 6 }, "NCHW", "NONE", "RESIZE", "encoding is NONE")]
    [InlineData(new long[] { 1, 3, 4, 6 }, "NCHW", "RGB", "pad_right", "Unknown resize method 'pad_right'")]
    [InlineData(new long[] { 2, 3, 4, 6 }, "NCHW", "RGB", "RESIZE", "batch of 1")]
    [InlineData(new long[] { 1, 3, -1, 6 }, "NCHW", "RGB", "RESIZE", "fixed size")]
    [InlineData(new long[] { 1, 3, 4, 6 }, "NCHW", "GRAY", "RESIZE", "1 channels")]
    [InlineData(new long[] { 1, 3, 4 }, "NCHW", "RGB", "RESIZE", "NCHW [1,3,4]")]
    public void What_is_not_an_image_input_is_refused_with_the_reason(
        long[] shape,
        string layout,
        string encoding,
        string resize,
        string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => ModelInputPreprocessing.For(shape, layout, encoding, null, null, resize));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
