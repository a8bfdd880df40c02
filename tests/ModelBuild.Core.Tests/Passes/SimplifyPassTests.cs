using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Tests.Onnx;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;

namespace ModelBuild.Core.Tests.Passes;

public sealed class SimplifyPassTests
{
    /// <summary>Conv → BatchNormalization → Identity → Add(a Constant node) → Relu, opset 13, importing a domain it never uses.</summary>
    internal static ModelProto ConvBatchNormNet() =>
        new OnnxGraphBuilder("conv_bn")
            .Opset(13)
            .Opset(1, "com.example.unused")
            .Producer("exporter", "7.1")
            .Input("x", DataType.Float, 1, 3, 8, 8)
            .Initializer("w", OnnxTestData.Weights(4 * 3 * 3 * 3, seed: 21), 4, 3, 3, 3)
            .Initializer("gamma", [1.5f, 0.5f, 2f, 1f], 4)
            .Initializer("beta", [0.1f, -0.2f, 0.3f, 0f], 4)
            .Initializer("mean", [0.05f, -0.1f, 0.2f, 0f], 4)
            .Initializer("var", [1f, 0.25f, 4f, 2f], 4)
            .Node("Conv", ["x", "w"], ["c"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["bn"])
            .Node("Identity", ["bn"], ["same"])
            .Node("Constant", [], ["bias"], OnnxAttributes.Tensor("value", [0.25f, -0.25f, 0.5f, -0.5f], 1, 4, 1, 1))
            .Node("Add", ["same", "bias"], ["shifted"])
            .Node("Relu", ["shifted"], ["y"])
            .Output("y", DataType.Float, 1, 4, 8, 8)
            .Build();

    [Fact]
    public void Simplifying_folds_fuses_and_tidies_and_computes_the_same()
    {
        var model = ConvBatchNormNet();

        var simplified = new SimplifyPass().Apply(model, new DiagnosticBag())!;

        Assert.True(simplified.Graph.Node.Count < model.Graph.Node.Count, string.Join(", ", ModelRun.Ops(simplified)));
        Assert.DoesNotContain("BatchNormalization", ModelRun.Ops(simplified));
        Assert.DoesNotContain("Identity", ModelRun.Ops(simplified));
        Assert.Equal([("", 13L)], simplified.OpsetImport.Select(o => (o.Domain, o.Version)));
        Assert.Equal((model.IrVersion, "exporter", "7.1"), (simplified.IrVersion, simplified.ProducerName, simplified.ProducerVersion));
        Assert.Null(PythonOnnx.CheckerComplaint(simplified));

        var image = ModelRun.Values(3 * 8 * 8, seed: 5);
        var expected = ModelRun.Single(model, ModelRun.Input("x", image, 1, 3, 8, 8));
        var actual = ModelRun.Single(simplified, ModelRun.Input("x", image, 1, 3, 8, 8));
        Assert.True(ModelRun.Cosine(expected, actual) > 0.99999);
        Assert.True(ModelRun.MaxAbsError(expected, actual) < 1e-4);
    }

    [Fact]
    public void Simplifying_twice_gives_the_same_bytes()
    {
        var first = OnnxModelFile.Write(new SimplifyPass().Apply(ConvBatchNormNet(), new DiagnosticBag())!);
        var second = OnnxModelFile.Write(new SimplifyPass().Apply(ConvBatchNormNet(), new DiagnosticBag())!);

        Assert.Equal(first, second);
    }

    [Fact]
    public void A_model_ONNX_Runtime_cannot_load_is_kept_with_warning_MB4067()
    {
        var model = new OnnxGraphBuilder("odd")
            .Input("x", DataType.Float, 1, 4)
            .Node("NoSuchOperator", ["x"], ["y"])
            .Output("y", DataType.Float, 1, 4)
            .Build();
        var diagnostics = new DiagnosticBag();

        var result = new SimplifyPass().Apply(model, diagnostics)!;

        Assert.Equal(OnnxModelFile.Write(model), OnnxModelFile.Write(result));
        var warning = Assert.Single(diagnostics.Items);
        Assert.Equal(("MB4067", DiagnosticSeverity.Warning), (warning.Code, warning.Severity));
        Assert.StartsWith(
            "Simplifying 'odd' failed, so it is converted as it was: ONNX Runtime ",
            warning.Message,
            StringComparison.Ordinal);
        Assert.Contains("NoSuchOperator", warning.Message, StringComparison.Ordinal);
    }
}
