using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Imaging.Preprocessing;
using static ModelBuild.Core.Tests.Manifest.ManifestTesting;

namespace ModelBuild.Core.Tests.Manifest;

public sealed class ManifestInputResolverTests
{
    private static readonly ModelInput Image = new("images", [1, 3, 224, 224], TensorDataType.Float32);
    private static readonly ModelInput Mask = new("mask", [1, 1, 224, 224], TensorDataType.Float32);
    private static readonly ModelInput Lengths = new("lengths", [1], TensorDataType.Int64);

    private static InputResolution Resolve(string yaml, params ModelInput[] model) =>
        ManifestInputResolver.Resolve(LoadValid(yaml).Stages[0], model);

    private static IReadOnlyList<ResolvedInput> ResolveValid(string yaml, params ModelInput[] model)
    {
        var resolution = Resolve(yaml, model);
        Assert.True(resolution.Succeeded, string.Join("\n", resolution.Diagnostics));
        return resolution.Inputs;
    }

    [Fact]
    public void Without_listed_inputs_every_model_input_gets_the_stage_defaults()
    {
        var inputs = ResolveValid("""
            input_model: m.onnx
            mean_values: 0
            scale_values: 255
            encoding: {from: RGB, to: RGB}
            """, Image, Lengths);

        Assert.Equal(["images", "lengths"], inputs.Select(i => i.Name.Value));
        var image = inputs[0];
        Assert.Equal(new SourceLocation(YamlPath), image.Name.Location);
        Assert.Equal([1L, 3, 224, 224], image.Shape!.Value);
        Assert.Equal("NCHW", image.Layout!.Value);
        Assert.Equal(3, image.ChannelCount);
        Assert.Equal([0.0, 0, 0], image.MeanValues!.Value);
        Assert.Equal([255.0, 255, 255], image.ScaleValues!.Value);
        Assert.Equal(At(3, 15), image.ScaleValues.Location);
        Assert.Equal(new EncodingSpec(ColorEncoding.Rgb, ColorEncoding.Rgb), image.Encoding.Value);
        Assert.Equal(TensorDataType.Float32, image.DataType!.Value);
        Assert.Equal(RandomCalibration.Default, image.Calibration.Value);
        Assert.Equal(TensorDataType.Int64, inputs[1].DataType!.Value);
    }

    [Fact]
    public void Per_input_values_win_over_stage_defaults_which_win_over_the_model()
    {
        var inputs = ResolveValid("""
            input_model: m.onnx
            shape: [1, 3, 320, 320]
            data_type: uint8
            mean_values: [1, 2, 3]
            encoding: BGR
            inputs:
              - name: images
                shape: [1, 3, 256, 256]
                mean_values: imagenet
                encoding: {from: RGB, to: RGB}
            """, Image, Mask);

        var image = Assert.Single(inputs);
        Assert.Equal(new Located<IReadOnlyList<long?>>([1, 3, 256, 256], At(8, 12)), image.Shape, LocatedShapeComparer.Instance);
        Assert.Equal(new Located<TensorDataType>(TensorDataType.UInt8, At(3, 12)), image.DataType);
        Assert.Equal([123.675, 116.28, 103.53], image.MeanValues!.Value);
        Assert.Equal(At(9, 18), image.MeanValues.Location);
        Assert.Equal(new EncodingSpec(ColorEncoding.Rgb, ColorEncoding.Rgb), image.Encoding.Value);
    }

    [Fact]
    public void One_channel_input_is_forced_to_gray()
    {
        var inputs = ResolveValid("""
            input_model: m.onnx
            encoding: {from: RGB, to: BGR}
            mean_values: 127
            """, Mask);

        var mask = Assert.Single(inputs);
        Assert.Equal(1, mask.ChannelCount);
        Assert.Equal(EncodingSpec.Gray, mask.Encoding.Value);
        Assert.Equal([127.0], mask.MeanValues!.Value);
    }

    [Fact]
    public void Channels_come_from_the_layout_guessed_for_the_shape()
    {
        var inputs = ResolveValid("input_model: m.onnx\nscale_values: 2\n", new ModelInput("nhwc", [1, 224, 224, 4]));

        Assert.Equal("NHWC", inputs[0].Layout!.Value);
        Assert.Equal(4, inputs[0].ChannelCount);
        Assert.Equal([2.0, 2, 2, 2], inputs[0].ScaleValues!.Value);
    }

    [Fact]
    public void Explicit_layout_decides_the_channel_axis()
    {
        var inputs = ResolveValid("""
            input_model: m.onnx
            inputs:
              - name: images
                layout: NHWC
                scale_values: 1
            """, new ModelInput("images", [1, 8, 8, 3]));

        Assert.Equal(new Located<string>("NHWC", At(4, 13)), inputs[0].Layout);
        Assert.Equal(3, inputs[0].ChannelCount);
    }

    [Fact]
    public void Dynamic_batch_in_the_manifest_becomes_one()
    {
        var inputs = ResolveValid("input_model: m.onnx\nshape: [0, 3, 64, 64]\n", Image);

        Assert.Equal([1L, 3, 64, 64], inputs[0].Shape!.Value);
        Assert.Equal("NCHW", inputs[0].Layout!.Value);
    }

    [Fact]
    public void Unknown_model_dimensions_leave_the_channel_count_unknown()
    {
        var inputs = ResolveValid("input_model: m.onnx\nmean_values: 5\nlayout: NCHW\n", new ModelInput("images", [null, null, 32, 32]));

        Assert.Null(inputs[0].ChannelCount);
        Assert.Equal([5.0], inputs[0].MeanValues!.Value);
    }

    [Fact]
    public void Input_not_in_the_model_is_reported_at_its_name_with_did_you_mean()
    {
        var resolution = Resolve("""
            input_model: m.onnx
            inputs:
              - name: image
            """, Image, Mask);

        var error = Assert.Single(resolution.Diagnostics);
        Assert.Equal("MB1020", error.Code);
        Assert.Equal(At(3, 11), error.Location);
        Assert.Equal("Input 'image' is not an input of the model. Did you mean 'images'?", error.Message);
        Assert.False(resolution.Succeeded);
    }

    [Fact]
    public void Input_not_in_the_model_lists_the_model_inputs_when_nothing_is_close()
    {
        var resolution = Resolve("input_model: m.onnx\ninputs:\n  - name: tokens\n", Image, Mask);

        Assert.Equal(
            "Input 'tokens' is not an input of the model. The model's inputs are: images, mask.",
            Assert.Single(resolution.Diagnostics).Message);
    }

    [Fact]
    public void Mean_list_that_does_not_match_the_channels_reports_both_numbers()
    {
        var resolution = Resolve("""
            input_model: m.onnx
            inputs:
              - name: mask
                mean_values: imagenet
            """, Mask);

        var error = Assert.Single(resolution.Diagnostics);
        Assert.Equal("MB1021", error.Code);
        Assert.Equal(At(4, 18), error.Location);
        Assert.Equal("'mean_values' has 3 values but input 'mask' has 1 channels.", error.Message);
    }

    [Fact]
    public void Stage_layout_that_does_not_fit_the_model_shape_is_reported()
    {
        var resolution = Resolve("input_model: m.onnx\nlayout: NCHW\n", Lengths);

        var error = Assert.Single(resolution.Diagnostics);
        Assert.Equal("MB1017", error.Code);
        Assert.Equal(At(2, 9), error.Location);
        Assert.Equal("Layout 'NCHW' has 4 letters but shape [1] has 1 dimensions.", error.Message);
    }

    [Fact]
    public void Layout_without_any_shape_is_reported()
    {
        var resolution = Resolve("input_model: m.onnx\nlayout: NCHW\n", new ModelInput("x", null));

        var error = Assert.Single(resolution.Diagnostics);
        Assert.Equal("MB1022", error.Code);
        Assert.Equal(At(2, 9), error.Location);
    }

    [Fact]
    public void Calibration_falls_back_from_input_to_stage_to_random()
    {
        var inputs = ResolveValid("""
            input_model: m.onnx
            calibration: {path: calib/}
            inputs:
              - name: images
              - name: mask
                calibration: random
            """, Image, Mask);

        Assert.Equal(new ImageCalibration(new Located<string>("calib/", At(2, 21))), inputs[0].Calibration.Value);
        Assert.Equal(RandomCalibration.Default, inputs[1].Calibration.Value);
    }

    private sealed class LocatedShapeComparer : IEqualityComparer<Located<IReadOnlyList<long?>>?>
    {
        public static readonly LocatedShapeComparer Instance = new();

        public bool Equals(Located<IReadOnlyList<long?>>? x, Located<IReadOnlyList<long?>>? y) =>
            x is not null && y is not null && x.Location == y.Location && x.Value.SequenceEqual(y.Value);

        public int GetHashCode(Located<IReadOnlyList<long?>>? obj) => obj?.Location.GetHashCode() ?? 0;
    }
}
