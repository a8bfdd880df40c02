using System.Text;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;

namespace ModelBuild.Core.Tests.Onnx;

public sealed class OnnxGraphBuilderTests
{
    [Fact]
    public void Conv_relu_net_with_a_dynamic_batch_passes_the_onnx_checker()
    {
        var model = new OnnxGraphBuilder("conv_relu")
            .Input("image", DataType.Float, "batch", 3, 16, 16)
            .Initializer("w1", OnnxTestData.Weights(8 * 3 * 3 * 3, seed: 1), 8, 3, 3, 3).Initializer("b1", new float[8], 8)
            .Initializer("w2", OnnxTestData.Weights(4 * 8 * 3 * 3, seed: 2), 4, 8, 3, 3).Initializer("b2", new float[4], 4)
            .Node("Conv", ["image", "w1", "b1"], ["c1"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c1"], ["r1"])
            .Node("Conv", ["r1", "w2", "b2"], ["c2"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c2"], ["features"])
            .Output("features", DataType.Float, "batch", 4, 16, 16)
            .Build();

        Assert.Empty(OnnxModelValidator.Validate(model));
        Assert.Null(PythonOnnx.CheckerComplaint(model));
        Assert.Equal(["batch", "4", "16", "16"], PythonOnnx.InferredOutputShapes(model)["features"]);
        Assert.Equal(["Conv_0", "Relu_1", "Conv_2", "Relu_3"], model.Graph.Node.Select(n => n.Name));
        Assert.Equal(OnnxGraphBuilder.DefaultIrVersion, model.IrVersion);
        Assert.Equal(OnnxGraphBuilder.DefaultOpsetVersion, Assert.Single(model.OpsetImport).Version);
    }

    [Fact]
    public void Initializers_hold_their_values_little_endian_with_their_shape()
    {
        var model = new OnnxGraphBuilder()
            .Initializer("f", [1.5f, -2f], 2, 1)
            .Initializer("i", [3L, -4L], 2)
            .Input("x", DataType.Float, 2, 1)
            .Node("Add", ["x", "f"], ["y"])
            .Output("y", DataType.Float, 2, 1)
            .Build();

        var floats = model.Graph.Initializer[0];
        Assert.Equal((int)DataType.Float, floats.DataType);
        Assert.Equal([2L, 1L], floats.Dims);
        Assert.Equal([0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0], floats.RawData.ToByteArray());
        var longs = model.Graph.Initializer[1];
        Assert.Equal((int)DataType.Int64, longs.DataType);
        Assert.Equal(3L, BitConverter.ToInt64(longs.RawData.Span[..8]));
        Assert.Equal(-4L, BitConverter.ToInt64(longs.RawData.Span[8..]));
    }

    [Fact]
    public void An_initializer_whose_values_do_not_fill_its_shape_is_refused()
    {
        var builder = new OnnxGraphBuilder();

        var error = Assert.Throws<ArgumentException>(() => builder.Initializer("w", new float[5], 2, 3));

        Assert.Contains("'w' has 5 values but its dimensions [2, 3] hold 6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_attribute_kind_carries_its_type_and_the_checker_accepts_them()
    {
        var model = new OnnxGraphBuilder("attributes")
            .Input("x", DataType.Float, 1, 4, 2, 2)
            .Node("Constant", [], ["k"], OnnxAttributes.Tensor("value", [1f, 2f, 3f, 4f], 4, 1, 1))
            .Node("Constant", [], ["shape"], OnnxAttributes.Tensor("value", [1L, 1L, 4L, 4L], 4))
            .Node("Constant", [], ["fs"], OnnxAttributes.Floats("value_floats", 0.5f, 0.25f))
            .Node("Constant", [], ["is"], OnnxAttributes.Ints("value_ints", 1, 2))
            .Node("Constant", [], ["s"], OnnxAttributes.String("value_string", "naïve"))
            .Node("Mul", ["x", "k"], ["scaled"])
            .Node("LeakyRelu", ["scaled"], ["activated"], OnnxAttributes.Float("alpha", 0.1f))
            .Node("DepthToSpace", ["activated"], ["space"], OnnxAttributes.Int("blocksize", 2), OnnxAttributes.String("mode", "CRD"))
            .Node("Reshape", ["space", "shape"], ["y"])
            .Output("y", DataType.Float, 1, 1, 4, 4)
            .Build();

        var attributes = model.Graph.Node.SelectMany(n => n.Attribute.Where(a => a.Name != "value"))
            .ToDictionary(a => a.Name + "@" + a.Type, a => a);
        Assert.Equal(Encoding.UTF8.GetBytes("naïve"), attributes["value_string@String"].S.ToByteArray());
        Assert.Equal([0.5f, 0.25f], attributes["value_floats@Floats"].Floats);
        Assert.Equal([1L, 2L], attributes["value_ints@Ints"].Ints);
        Assert.Equal(0.1f, attributes["alpha@Float"].F);
        Assert.Equal(2L, attributes["blocksize@Int"].I);
        Assert.Equal([4L, 1L, 1L], model.Graph.Node[0].Attribute.Single(a => a.Type == AttributeProto.Types.AttributeType.Tensor).T.Dims);
        Assert.Null(PythonOnnx.CheckerComplaint(model));
        Assert.Equal(["1", "1", "4", "4"], PythonOnnx.InferredOutputShapes(model)["y"]);
    }

    [Fact]
    public void Build_refuses_a_broken_graph_and_lists_the_problems()
    {
        var builder = new OnnxGraphBuilder()
            .Input("x", DataType.Float, 1)
            .Node("Relu", ["typo"], ["y"])
            .Output("y", DataType.Float, 1);

        var error = Assert.Throws<InvalidOperationException>(builder.Build);

        Assert.Contains("MB4010", error.Message, StringComparison.Ordinal);
        Assert.Contains("'typo'", error.Message, StringComparison.Ordinal);
        Assert.Equal("typo", Assert.Single(builder.BuildUnvalidated().Graph.Node).Input[0]);
    }

    [Fact]
    public void Opsets_ir_version_and_custom_domains_are_as_asked()
    {
        var node = new NodeProto { Name = "custom", OpType = "Gelu", Domain = "com.microsoft" };
        node.Input.Add("x");
        node.Output.Add("y");
        var model = new OnnxGraphBuilder()
            .IrVersion(7)
            .Opset(13)
            .Opset(1, "com.microsoft")
            .Opset(12)
            .Input("x", DataType.Float, "n")
            .Node(node)
            .Output("y", DataType.Float, "n")
            .Build();

        Assert.Equal(7, model.IrVersion);
        Assert.Equal([("", 12L), ("com.microsoft", 1L)], model.OpsetImport.Select(o => (o.Domain, o.Version)));
    }

    [Fact]
    public void Building_does_not_share_state_with_later_calls()
    {
        var builder = new OnnxGraphBuilder().Input("x", DataType.Float, 1).Node("Relu", ["x"], ["y"]).Output("y", DataType.Float, 1);
        var first = builder.Build();

        builder.Node("Relu", ["y"], ["z"]);

        Assert.Single(first.Graph.Node);
        Assert.Equal(2, builder.BuildUnvalidated().Graph.Node.Count);
    }
}
