using System.Collections.Immutable;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Core.Tests.Pipeline;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;

namespace ModelBuild.Core.Tests.Passes;

public sealed class PreprocessingPassTests
{
    private static readonly SourceLocation EncodingKey = new("models/tiny.yaml", 4, 15);
    private static readonly ImmutableArray<double> Mean = [123.675, 116.28, 103.53];
    private static readonly ImmutableArray<double> Scale = [58.395, 57.12, 57.375];

    private static ModelProto FixedTiny() =>
        new InputShapePass([new InputShapeOverride("x", [1, 3, 8, 8])]).Apply(TinyConvNet.Build(), new DiagnosticBag())!;

    [Fact]
    public void Baked_flip_mean_and_scale_equal_preprocessing_the_pixels_first()
    {
        var model = FixedTiny();
        var request = new InputPreprocessing("x", "NCHW", ("RGB", "BGR"), Mean, Scale);

        var baked = new PreprocessingPass([request]).Apply(model, new DiagnosticBag())!;

        Assert.Equal(["Gather", "Sub", "Mul", "Conv", "Relu", "Conv", "Relu"], ModelRun.Ops(baked));
        Assert.Equal([1L, 3, 1, 1], ModelRun.Initializer(baked, "x_mean").Dims);
        Assert.Empty(OnnxModelValidator.Validate(baked));
        Assert.Null(PythonOnnx.CheckerComplaint(baked));

        // BGR pixels in; the original model wants RGB, centred and scaled, per channel in RGB order.
        var bgr = ModelRun.Values(3 * 8 * 8, seed: 3, low: 0, high: 255).Select(v => MathF.Round(v)).ToArray();
        var normalized = new float[bgr.Length];
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < 64; i++)
            {
                normalized[(c * 64) + i] = (float)((bgr[((2 - c) * 64) + i] - Mean[c]) / Scale[c]);
            }
        }

        var expected = ModelRun.Single(model, ModelRun.Input("x", normalized, 1, 3, 8, 8));
        var actual = ModelRun.Single(baked, ModelRun.Input("x", bgr, 1, 3, 8, 8));
        Assert.True(ModelRun.MaxAbsError(expected, actual) < 1e-4, $"max abs error {ModelRun.MaxAbsError(expected, actual)}");
        Assert.Contains(expected, v => v > 0);
    }

    [Fact]
    public void A_single_mean_is_a_scalar_and_nothing_is_added_for_identity_steps()
    {
        var model = FixedTiny();

        var meanOnly = new PreprocessingPass([new InputPreprocessing("x", "NCHW", null, [127.5], [1])]).Apply(model, new DiagnosticBag())!;
        var nothing = new PreprocessingPass([new InputPreprocessing("x", "NCHW", null, [0], [1, 1, 1])]).Apply(model, new DiagnosticBag())!;

        Assert.Equal(["Sub", "Conv", "Relu", "Conv", "Relu"], ModelRun.Ops(meanOnly));
        Assert.Empty(ModelRun.Initializer(meanOnly, "x_mean").Dims);
        Assert.Equal(OnnxModelFile.Write(model), OnnxModelFile.Write(nothing));
    }

    [Fact]
    public void A_channel_flip_on_a_one_channel_input_is_MB4064()
    {
        var gray = new OnnxGraphBuilder()
            .Input("x", DataType.Float, 1, 1, 8, 8)
            .Node("Relu", ["x"], ["y"])
            .Output("y", DataType.Float, 1, 1, 8, 8)
            .Build();
        var diagnostics = new DiagnosticBag();

        var result = new PreprocessingPass([new InputPreprocessing("x", "NCHW", ("RGB", "BGR"), [], [], EncodingKey)]).Apply(
            gray,
            diagnostics);

        Assert.Null(result);
        Assert.Equal(
            "models/tiny.yaml(4,15): error MB4064: Input 'x' has 1 channels (axis 1 of shape [1, 1, 8, 8], layout NCHW); flipping the " +
                "channel order from RGB to BGR needs 3.",
            Assert.Single(diagnostics.Items).ToCanonicalString());
    }

    [Fact]
    public void Preprocessing_in_front_of_an_integer_input_is_MB4063()
    {
        var ids = new OnnxGraphBuilder()
            .Input("ids", DataType.Int64, 1, 3, 4, 4)
            .Node("Identity", ["ids"], ["y"])
            .Output("y", DataType.Int64, 1, 3, 4, 4)
            .Build();
        var diagnostics = new DiagnosticBag();

        var result = new PreprocessingPass([new InputPreprocessing("ids", "NCHW", null, [1], [], EncodingKey)]).Apply(ids, diagnostics);

        Assert.Null(result);
        Assert.Equal("MB4063", Assert.Single(diagnostics.Items).Code);
        Assert.Contains("Input 'ids' is int64", diagnostics.Items[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_scale_is_MB4066_naming_the_channel()
    {
        var diagnostics = new DiagnosticBag();

        var result = new PreprocessingPass([new InputPreprocessing("x", "NCHW", null, [], [1, 0, 1], EncodingKey)]).Apply(
            FixedTiny(),
            diagnostics);

        Assert.Null(result);
        Assert.Equal(
            "scale_values of input 'x' is 0 for channel 1; scale values must not be zero.",
            Assert.Single(diagnostics.Items).Message);
    }

    [Fact]
    public void Per_channel_values_need_a_channel_axis_MB4065()
    {
        var diagnostics = new DiagnosticBag();

        var result = new PreprocessingPass([new InputPreprocessing("x", null, null, Mean, [], EncodingKey)]).Apply(
            FixedTiny(),
            diagnostics);

        Assert.Null(result);
        Assert.Equal("MB4065", Assert.Single(diagnostics.Items).Code);
    }
}
