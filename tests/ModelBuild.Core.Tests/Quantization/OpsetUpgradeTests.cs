using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Tensors;
using static ModelBuild.Core.Tests.Quantization.QuantizationTestModels;
using DataType = ModelBuild.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace ModelBuild.Core.Tests.Quantization;

/// <summary>Raising old models to opset 13 (per-channel QDQ needs it) keeps what they compute.</summary>
public sealed class OpsetUpgradeTests
{
    /// <summary>An opset-9 model using every operator whose signature or meaning changed up to 13.</summary>
    private static ModelProto Opset9Model() =>
        new OnnxGraphBuilder("old")
            .Opset(9)
            .Input("x", DataType.Float, 1, 2, 4, 4)
            .Initializer("scales", [1f, 1f, 2f, 2f], 4)
            .Node("Clip", ["x"], ["clipped"], OnnxAttributes.Float("min", -0.5f), OnnxAttributes.Float("max", 0.75f))
            .Node("Upsample", ["clipped", "scales"], ["up"], OnnxAttributes.String("mode", "nearest"))
            .Node("Slice", ["up"], ["sliced"], OnnxAttributes.Ints("starts", 0, 0, 1, 1), OnnxAttributes.Ints("ends", 1, 2, 7, 7))
            .Node("Pad", ["sliced"], ["padded"], OnnxAttributes.Ints("pads", 0, 0, 1, 1, 0, 0, 1, 1), OnnxAttributes.Float("value", 0.25f))
            .Node("Softmax", ["padded"], ["soft"], OnnxAttributes.Int("axis", 1))
            .Node("Squeeze", ["soft"], ["squeezed"], OnnxAttributes.Ints("axes", 0))
            .Node("Split", ["squeezed"], ["first", "second"], OnnxAttributes.Int("axis", 0), OnnxAttributes.Ints("split", 1, 1))
            .Node("ReduceSum", ["second"], ["summed"], OnnxAttributes.Ints("axes", 2), OnnxAttributes.Int("keepdims", 1))
            .Node("TopK", ["first"], ["top", "indices"], OnnxAttributes.Int("k", 3))
            .Output("top", DataType.Float, 1, 8, 3)
            .Output("summed", DataType.Float, 1, 8, 1)
            .Build();

    [Fact]
    public void An_opset_9_model_raised_to_13_computes_exactly_the_same()
    {
        var original = Opset9Model();
        Assert.Null(PythonOnnx.CheckerComplaint(original));

        var upgraded = OpsetUpgrade.Apply(original, 13);

        Assert.Equal(13, upgraded.OpsetImport.Single().Version);
        Assert.Null(PythonOnnx.CheckerComplaint(upgraded));
        Assert.DoesNotContain(upgraded.Graph.Node, n => n.OpType == "Upsample");
        Assert.DoesNotContain(
            upgraded.Graph.Node.SelectMany(n => n.Attribute),
            a => a.Name is "starts" or "ends" or "pads" or "split" or "k" or "min" or "max");
        var input = Tensor.Create(Enumerable.Range(0, 32).Select(i => MathF.Sin(i * 0.7f)).ToArray(), [1, 2, 4, 4]);
        Assert.Equal(Outputs(original, input), Outputs(upgraded, input));
    }

    [Fact]
    public void Softmax_on_the_last_axis_keeps_its_single_node()
    {
        var model = new OnnxGraphBuilder("soft")
            .Opset(11)
            .Input("x", DataType.Float, 2, 3, 5)
            .Node("Softmax", ["x"], ["y"], OnnxAttributes.Int("axis", 2))
            .Output("y", DataType.Float, 2, 3, 5)
            .Build();

        var upgraded = OpsetUpgrade.Apply(model, 13);

        var node = Assert.Single(upgraded.Graph.Node);
        Assert.Equal(2, node.Attribute.Single(a => a.Name == "axis").I);
        var input = Tensor.Create(Enumerable.Range(0, 30).Select(i => i * 0.1f).ToArray(), [2, 3, 5]);
        Assert.Equal(Outputs(model, input), Outputs(upgraded, input));
    }

    [Fact]
    public void Models_older_than_opset_7_are_refused_with_MB8150()
    {
        var model = new OnnxGraphBuilder("ancient").Opset(6).Input("x", DataType.Float, 2).Node("Relu", ["x"], ["y"])
            .Output("y", DataType.Float, 2)
            .Build();

        var error = Assert.Throws<DiagnosticException>(() => OpsetUpgrade.Apply(model, 13));

        Assert.Equal("MB8150", error.Diagnostic.Code);
        Assert.Contains("--per-tensor", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Per_channel_quantization_raises_an_opset_11_model_and_per_tensor_keeps_it()
    {
        var model = ConvNet(opset: 11);

        var perChannel = new Quantizer(new QuantizationOptions { Optimize = false }).Quantize(model, Data(4, ImageShape));
        var perTensor = new Quantizer(new QuantizationOptions { Optimize = false, PerChannel = false }).Quantize(
            model,
            Data(4, ImageShape));

        Assert.Equal(13, perChannel.Model.OpsetImport.Single().Version);
        Assert.Equal(11, perTensor.Model.OpsetImport.Single().Version);
        Assert.Equal(11, perChannel.Report.Settings.OpsetBefore);
        Assert.Null(PythonOnnx.CheckerComplaint(perTensor.Model));
        Assert.Contains(perChannel.Report.Notes, n => n.Contains("raised from 11 to 13", StringComparison.Ordinal));
    }

    private static List<float[]> Outputs(ModelProto model, Tensor input)
    {
        using var session = new ModelSession(OnnxModelFile.Write(model));
        return [.. session.Run([new NamedTensor("x", input)]).Select(o => o.Value.ElementType == TensorElementType.Float
            ? o.Value.ToArray<float>()
            : o.Value.ToArray<long>().Select(v => (float)v).ToArray())];
    }
}
