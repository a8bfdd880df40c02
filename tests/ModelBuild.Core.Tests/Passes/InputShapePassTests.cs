using System.Collections.Immutable;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Tests.Onnx;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;

namespace ModelBuild.Core.Tests.Passes;

public sealed class InputShapePassTests
{
    private static readonly SourceLocation ShapeKey = new("models/ocr.yaml", 7, 12);

    [Fact]
    public void A_dynamic_batch_becomes_fixed_and_the_model_still_checks()
    {
        var model = OnnxTestData.ConvReluNet();
        var before = OnnxModelFile.Write(model);

        var result = Apply(model, Override("image", 1, 3, 16, 16), out var diagnostics);

        Assert.Empty(diagnostics.Items);
        Assert.Equal("[1, 3, 16, 16]", OnnxModelSignature.FromModel(result!).Inputs[0].Shape!.ToString());
        Assert.Equal(before, OnnxModelFile.Write(model));
        Assert.Empty(OnnxModelValidator.Validate(result!));
        Assert.Null(PythonOnnx.CheckerComplaint(result!));
        Assert.Equal(["1", "4", "16", "16"], PythonOnnx.InferredOutputShapes(result!)["features"]);
    }

    [Fact]
    public void A_shape_the_model_already_has_changes_nothing()
    {
        var model = OnnxModelFile.Read(
            OnnxTestData.BackendModels().First(p => p.Contains("test_conv_with_strides_padding", StringComparison.Ordinal)));
        var input = OnnxModelSignature.FromModel(model).Inputs[0];
        var shape = input.Shape!.Dimensions.Select(d => d.Value!.Value).ToArray();

        var result = Apply(model, Override(input.Name, shape), out var diagnostics);

        Assert.Empty(diagnostics.Items);
        Assert.Equal(OnnxModelFile.Write(model), OnnxModelFile.Write(result!));
    }

    [Fact]
    public void A_rank_mismatch_shows_the_models_shape_and_the_requested_one()
    {
        var model = new OnnxGraphBuilder()
            .Input("x", DataType.Float, "batch", 3, 48, OnnxDimension.Unknown)
            .Node("Relu", ["x"], ["y"])
            .Output("y", DataType.Float, "batch", 3, 48, OnnxDimension.Unknown)
            .Build();

        var result = Apply(model, Override("x", 1, 3, 48), out var diagnostics);

        Assert.Null(result);
        Assert.Equal(
            "models/ocr.yaml(7,12): error MB4051: Input 'x' has shape [batch, 3, 48, ?] in the model (rank 4), but the requested shape " +
                "[1, 3, 48] has rank 3.",
            Assert.Single(diagnostics.Items).ToCanonicalString());
    }

    [Fact]
    public void A_fixed_dimension_cannot_change()
    {
        var result = Apply(OnnxTestData.ConvReluNet(), Override("image", 1, 3, 32, 32), out var diagnostics);

        Assert.Null(result);
        var diagnostic = Assert.Single(diagnostics.Items);
        Assert.Equal("MB4052", diagnostic.Code);
        Assert.Equal("Input 'image' has shape [batch, 3, 16, 16] in the model; axis 2 is fixed at 16, but the requested shape [1, 3, 32, " +
            "32] asks for 32.", diagnostic.Message);
        Assert.Equal(ShapeKey, diagnostic.Location);
    }

    [Fact]
    public void An_unknown_input_suggests_the_closest_name()
    {
        var result = Apply(OnnxTestData.ConvReluNet(), Override("imgae", 1, 3, 16, 16), out var diagnostics);

        Assert.Null(result);
        Assert.Equal(
            "models/ocr.yaml(7,12): error MB4050: The model has no input named 'imgae'. Did you mean 'image'? Its inputs: 'image'.",
            Assert.Single(diagnostics.Items).ToCanonicalString());
    }

    [Fact]
    public void An_initializer_is_not_an_input_even_when_an_old_model_lists_it_as_one()
    {
        var model = new OnnxGraphBuilder()
            .IrVersion(3)
            .Input("x", DataType.Float, "n", 4)
            .Input("scale", DataType.Float, 4)
            .Initializer("scale", new float[4], 4)
            .Node("Mul", ["x", "scale"], ["y"])
            .Output("y", DataType.Float, "n", 4)
            .Build();

        Apply(model, Override("scale", 4), out var diagnostics);

        Assert.Equal("The model has no input named 'scale'. Its inputs: 'x'.", Assert.Single(diagnostics.Items).Message);
    }

    [Fact]
    public void Every_wrong_request_is_reported_and_nothing_is_applied()
    {
        var model = new OnnxGraphBuilder()
            .Input("a", DataType.Float, "n", 2)
            .Input("b", DataType.Float, "n", 2)
            .Node("Add", ["a", "b"], ["y"])
            .Output("y", DataType.Float, "n", 2)
            .Build();

        var result = Apply(model, [Override("a", 1, 2), Override("b", 0, 2), Override("a", 2, 2)], out var diagnostics);

        Assert.Null(result);
        Assert.Equal(
            [
                "MB4054 The requested shape [0, 2] for input 'b' has 0 at axis 0; every dimension must be a positive number.",
                "MB4055 Input 'a' is given a shape more than once.",
            ],
            diagnostics.Items.Select(d => d.Code + " " + d.Message));
    }

    [Fact]
    public void An_input_of_unknown_rank_takes_the_requested_shape()
    {
        var model = new OnnxGraphBuilder()
            .InputOfUnknownRank("x", DataType.Float)
            .Node("Relu", ["x"], ["y"])
            .OutputOfUnknownRank("y", DataType.Float)
            .Build();

        var result = Apply(model, Override("x", 2, 5), out _);

        Assert.Equal(OnnxShape.Of(2, 5), OnnxModelSignature.FromModel(result!).Inputs[0].Shape);
        Assert.Equal(["2", "5"], PythonOnnx.InferredOutputShapes(result!)["y"]);
    }

    [Fact]
    public void A_non_tensor_input_cannot_take_a_shape()
    {
        var model = new OnnxGraphBuilder().Input("x", DataType.Float, 1).Node("Relu", ["x"], ["y"]).Output("y", DataType.Float, 1).Build();
        model.Graph.Input[0].Type = new TypeProto
        {
            SequenceType = new TypeProto.Types.Sequence { ElemType = model.Graph.Output[0].Type.Clone() }
        };

        Apply(model, Override("x", 1), out var diagnostics);

        Assert.Equal(
            "Input 'x' is a sequence, not a tensor; only tensor inputs can be given a shape.",
            Assert.Single(diagnostics.Items).Message);
    }

    [Fact]
    public void Denotations_stay_and_value_info_restating_the_input_goes()
    {
        var model = new OnnxGraphBuilder()
            .Input("image", DataType.Float, "batch", 3, "height", "width")
            .Node("Relu", ["image"], ["r"])
            .Node("Neg", ["r"], ["y"])
            .ValueInfo("image", DataType.Float, "batch", 3, "height", "width")
            .ValueInfo("r", DataType.Float, "batch", 3, "height", "width")
            .Output("y", DataType.Float, "batch", 3, "height", "width")
            .Build();
        model.Graph.Input[0].Type.TensorType.Shape.Dim[0].Denotation = "DATA_BATCH";

        var result = Apply(model, Override("image", 2, 3, 48, 192), out _)!;

        var dims = result.Graph.Input[0].Type.TensorType.Shape.Dim;
        Assert.Equal("DATA_BATCH", dims[0].Denotation);
        Assert.Equal([2L, 3L, 48L, 192L], dims.Select(d => d.DimValue));
        Assert.Equal(["r"], result.Graph.ValueInfo.Select(v => v.Name));
        // The symbolic dimensions left on "r" and "y" are refined by shape inference, not contradicted.
        Assert.Null(PythonOnnx.CheckerComplaint(result));
        Assert.Equal(["2", "3", "48", "192"], PythonOnnx.InferredOutputShapes(result)["y"]);
    }

    [Fact]
    public void Dimension_names_elsewhere_stay_symbolic_because_exporters_reuse_them_loosely()
    {
        // "y" is really [2 * batch, 4]; its exporter still called the first axis "batch".
        var model = new OnnxGraphBuilder()
            .Input("x", DataType.Float, "batch", 8)
            .Initializer("shape", [-1L, 4L], 2)
            .Node("Reshape", ["x", "shape"], ["y"])
            .Output("y", DataType.Float, "batch", 4)
            .Build();

        var result = Apply(model, Override("x", 1, 8), out _)!;

        Assert.Equal("batch", result.Graph.Output[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Null(PythonOnnx.CheckerComplaint(result));
        Assert.Equal(["2", "4"], PythonOnnx.InferredOutputShapes(result)["y"]);

        // Had the name been replaced by the input's size, shape inference would reject the model.
        result.Graph.Output[0].Type.TensorType.Shape.Dim[0].DimValue = 1;
        Assert.NotNull(PythonOnnx.CheckerComplaint(result));
    }

    private static InputShapeOverride Override(string input, params long[] shape) => new(input, [.. shape], ShapeKey);

    private static ModelProto? Apply(ModelProto model, InputShapeOverride request, out DiagnosticBag diagnostics) =>
        Apply(model, [request], out diagnostics);

    private static ModelProto? Apply(ModelProto model, ImmutableArray<InputShapeOverride> requests, out DiagnosticBag diagnostics)
    {
        diagnostics = new DiagnosticBag();
        return new InputShapePass(requests).Apply(model, diagnostics);
    }
}
