using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Core.Tests.Pipeline;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;

namespace ModelBuild.Core.Tests.Passes;

public sealed class OutputSelectionPassTests
{
    private static readonly SourceLocation OutputsKey = new("models/tiny.yaml", 8, 13);

    [Fact]
    public void Cutting_at_an_inner_tensor_keeps_what_it_needs_and_types_the_new_output()
    {
        var model = TinyConvNet.Build();

        var cut = new OutputSelectionPass([new OutputRequest("r1", OutputsKey)]).Apply(model, new DiagnosticBag())!;

        Assert.Equal(["Conv", "Relu"], ModelRun.Ops(cut));
        Assert.Equal(["w1", "b1"], cut.Graph.Initializer.Select(t => t.Name));
        var output = Assert.Single(OnnxModelSignature.FromModel(cut).Outputs);
        Assert.Equal(("r1", "float", "[N, 4, 8, 8]"), (output.Name, output.ElementTypeName, output.Shape!.ToString()));
        Assert.Null(PythonOnnx.CheckerComplaint(cut));

        // The same tensor read from the whole model, made an output by hand.
        var whole = model.Clone();
        whole.Graph.Output.Add(new ValueInfoProto { Name = "r1", Type = whole.Graph.Output[0].Type.Clone() });
        var image = TinyConvNet.SampleInput(batch: 1);
        var expected = ModelRun.Outputs(whole, ModelRun.Input("x", image, 1, 3, 8, 8))["r1"];
        Assert.Equal(expected, ModelRun.Single(cut, ModelRun.Input("x", image, 1, 3, 8, 8)));
    }

    [Fact]
    public void Keeping_one_of_two_outputs_prunes_the_other_branch()
    {
        var model = new OnnxGraphBuilder("two_heads")
            .Input("x", DataType.Float, 1, 4)
            .Initializer("a", [1f, 2f, 3f, 4f], 1, 4)
            .Initializer("b", [5f, 6f, 7f, 8f], 1, 4)
            .Node("Add", ["x", "a"], ["sum"])
            .Node("Mul", ["x", "b"], ["product"])
            .Output("sum", DataType.Float, 1, 4)
            .Output("product", DataType.Float, 1, 4)
            .Build();

        var result = new OutputSelectionPass([new OutputRequest("product")]).Apply(model, new DiagnosticBag())!;

        Assert.Equal(["Mul"], ModelRun.Ops(result));
        Assert.Equal(["b"], result.Graph.Initializer.Select(t => t.Name));
        Assert.Equal(["product"], result.Graph.Output.Select(o => o.Name));
        Assert.Equal([5f, 12f, 21f, 32f], ModelRun.Single(result, ModelRun.Input("x", [1, 2, 3, 4], 1, 4)));
    }

    [Fact]
    public void An_unknown_output_is_MB4057_with_a_suggestion_and_the_real_outputs()
    {
        var diagnostics = new DiagnosticBag();

        var result = new OutputSelectionPass([new OutputRequest("r11", OutputsKey)]).Apply(TinyConvNet.Build(), diagnostics);

        Assert.Null(result);
        Assert.Equal(
            "models/tiny.yaml(8,13): error MB4057: The model has no output or tensor named 'r11'. Did you mean 'r1'? Its outputs: 'y'.",
            Assert.Single(diagnostics.Items).ToCanonicalString());
    }
}
