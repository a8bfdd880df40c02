using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Tensors;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;

namespace ModelBuild.Core.Tests.Passes;

public sealed class InputTypePassTests
{
    private static readonly SourceLocation DataTypeKey = new("models/tiny.yaml", 5, 16);

    [Fact]
    public void A_uint8_input_gets_a_cast_and_computes_what_the_float_model_computes()
    {
        var model = TinyConvNet.Build();

        var result = new InputTypePass([new InputTypeOverride("x", TensorElementType.UInt8, DataTypeKey)])
            .Apply(model, new DiagnosticBag())!;

        var input = OnnxModelSignature.FromModel(result).Inputs.Single();
        Assert.Equal(("x", "uint8"), (input.Name, input.ElementTypeName));
        Assert.Equal("Cast", result.Graph.Node[0].OpType);
        Assert.Equal((int)DataType.Float, result.Graph.Node[0].Attribute.Single(a => a.Name == "to").I);
        Assert.Empty(OnnxModelValidator.Validate(result));
        Assert.Null(PythonOnnx.CheckerComplaint(result));

        var pixels = Enumerable.Range(0, 3 * 8 * 8).Select(i => (byte)((i * 37) % 256)).ToArray();
        var expected = ModelRun.Single(model, ModelRun.Input("x", [.. pixels.Select(p => (float)p)], 1, 3, 8, 8));
        var actual = ModelRun.Single(result, new NamedTensor("x", Tensor.Create(pixels, [1, 3, 8, 8])));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_type_the_input_already_has_changes_nothing()
    {
        var model = TinyConvNet.Build();

        var result = new InputTypePass([new InputTypeOverride("x", TensorElementType.Float)]).Apply(model, new DiagnosticBag())!;

        Assert.Equal(OnnxModelFile.Write(model), OnnxModelFile.Write(result));
    }

    [Fact]
    public void A_type_no_cast_can_produce_is_MB4056_at_data_type()
    {
        var diagnostics = new DiagnosticBag();

        var result = new InputTypePass([new InputTypeOverride("x", TensorElementType.String, DataTypeKey)]).Apply(
            TinyConvNet.Build(),
            diagnostics);

        Assert.Null(result);
        Assert.Equal(
            "models/tiny.yaml(5,16): error MB4056: Input 'x' cannot be given data_type string: a Cast cannot convert from it.",
            Assert.Single(diagnostics.Items).ToCanonicalString());
    }

    [Fact]
    public void An_unknown_input_is_MB4050_naming_the_real_ones()
    {
        var diagnostics = new DiagnosticBag();

        var result = new InputTypePass([new InputTypeOverride("images", TensorElementType.UInt8, DataTypeKey)]).Apply(
            TinyConvNet.Build(),
            diagnostics);

        Assert.Null(result);
        var error = Assert.Single(diagnostics.Items);
        Assert.Equal("MB4050", error.Code);
        Assert.EndsWith("Its inputs: 'x'.", error.Message, StringComparison.Ordinal);
    }
}
