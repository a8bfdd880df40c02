using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Tests.Onnx;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;

namespace ModelBuild.Core.Tests.Passes;

public sealed class FrozenInputPassTests
{
    private static readonly SourceLocation FrozenKey = new("models/m.yaml", 6, 19);

    /// <summary>y = x * gain + offset, with gain float [1, 4] and offset int64 [2] (cast to float).</summary>
    private static ModelProto TwoInputModel(params OnnxDimension[] gainShape) =>
        new OnnxGraphBuilder("gain")
            .Input("x", DataType.Float, 1, 4)
            .Input("gain", DataType.Float, gainShape)
            .Input("offset", DataType.Int64, 1)
            .Node("Mul", ["x", "gain"], ["scaled"])
            .Node("Cast", ["offset"], ["offset_f"], OnnxAttributes.Int("to", (int)DataType.Float))
            .Node("Add", ["scaled", "offset_f"], ["y"])
            .Output("y", DataType.Float, 1, 4)
            .Build();

    [Fact]
    public void A_frozen_input_becomes_a_constant_and_leaves_the_inputs()
    {
        var model = TwoInputModel(1, 4);

        var result = new FrozenInputPass(
        [
            new FrozenInput("gain", [1, 2, 3, 4], FrozenKey),
            new FrozenInput("offset", [10], FrozenKey),
        ]).Apply(model, new DiagnosticBag())!;

        Assert.Equal(["x"], OnnxModelSignature.FromModel(result).InputNames);
        Assert.Equal(["gain", "offset"], result.Graph.Initializer.Select(t => t.Name));
        Assert.Null(PythonOnnx.CheckerComplaint(result));
        var y = ModelRun.Single(result, ModelRun.Input("x", [1, 1, 1, 1], 1, 4));
        Assert.Equal([11f, 12f, 13f, 14f], y);
    }

    [Fact]
    public void A_single_value_fills_the_whole_input()
    {
        var result = new FrozenInputPass([new FrozenInput("gain", [0.5]), new FrozenInput("offset", [-1])]).Apply(
            TwoInputModel(1, 4),
            new DiagnosticBag())!;

        Assert.Equal([0f, 0.5f, 1f, 1.5f], ModelRun.Single(result, ModelRun.Input("x", [2, 3, 4, 5], 1, 4)));
    }

    [Fact]
    public void A_fraction_for_an_int64_input_is_MB4060_of_the_wrong_type()
    {
        var diagnostics = new DiagnosticBag();

        var result = new FrozenInputPass([new FrozenInput("offset", [0.5], FrozenKey)]).Apply(TwoInputModel(1, 4), diagnostics);

        Assert.Null(result);
        Assert.Equal(
            "models/m.yaml(6,19): error MB4060: frozen_value of input 'offset' holds 0.5, which the input's element type int64 cannot " +
                "hold.",
            Assert.Single(diagnostics.Items).ToCanonicalString());
    }

    [Fact]
    public void The_wrong_number_of_values_is_MB4061_with_the_shape()
    {
        var diagnostics = new DiagnosticBag();

        var result = new FrozenInputPass([new FrozenInput("gain", [1, 2, 3], FrozenKey)]).Apply(TwoInputModel(1, 4), diagnostics);

        Assert.Null(result);
        var error = Assert.Single(diagnostics.Items);
        Assert.Equal("MB4061", error.Code);
        Assert.Equal(
            "frozen_value of input 'gain' has 3 values, but its shape [1, 4] holds 4; give that many values or a single one for all.",
            error.Message);
    }

    [Fact]
    public void A_dynamic_input_cannot_be_frozen_without_a_shape_MB4062()
    {
        var diagnostics = new DiagnosticBag();

        var result = new FrozenInputPass([new FrozenInput("gain", [1], FrozenKey)]).Apply(TwoInputModel("batch", 4), diagnostics);

        Assert.Null(result);
        Assert.Equal("MB4062", Assert.Single(diagnostics.Items).Code);
        Assert.Contains("[batch, 4]", diagnostics.Items[0].Message, StringComparison.Ordinal);
    }
}
