using System.Runtime.InteropServices;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Tensors;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;

namespace ModelBuild.Core.Tests.Passes;

public sealed class Float16PassTests
{
    private static ModelProto Convert(ModelProto model, Float16Options? options = null) =>
        new Float16Pass(options ?? Float16Options.Default).Apply(model, new DiagnosticBag())!;

    private static Half[] Halves(TensorProto tensor)
    {
        Assert.Equal((int)DataType.Float16, tensor.DataType);
        return MemoryMarshal.Cast<byte, Half>(tensor.RawData.Span).ToArray();
    }

    [Fact]
    public void Keeping_io_types_converts_the_inside_and_casts_at_the_boundary()
    {
        var model = TinyConvNet.Build();

        var half = Convert(model);

        var signature = OnnxModelSignature.FromModel(half);
        Assert.Equal(("float", "float"), (signature.Inputs[0].ElementTypeName, signature.Outputs[0].ElementTypeName));
        Assert.Equal(["Cast", "Conv", "Relu", "Conv", "Relu", "Cast"], ModelRun.Ops(half));
        Assert.All(half.Graph.Initializer, t => Assert.Equal((int)DataType.Float16, t.DataType));
        Assert.Null(PythonOnnx.CheckerComplaint(half));

        var image = TinyConvNet.SampleInput(batch: 2);
        var expected = TinyConvNet.Run(OnnxModelFile.Write(model), image, 2);
        var actual = TinyConvNet.Run(OnnxModelFile.Write(half), image, 2);
        Assert.True(ModelRun.Cosine(expected, actual) > 0.999, $"cosine {ModelRun.Cosine(expected, actual)}");
        Assert.True(ModelRun.MaxAbsError(expected, actual) < 0.05);
    }

    [Fact]
    public void Without_keeping_io_types_inputs_and_outputs_become_float16()
    {
        var half = Convert(TinyConvNet.Build(), Float16Options.Default with { KeepIoTypes = false });

        var signature = OnnxModelSignature.FromModel(half);
        Assert.Equal(("float16", "float16"), (signature.Inputs[0].ElementTypeName, signature.Outputs[0].ElementTypeName));
        Assert.DoesNotContain("Cast", ModelRun.Ops(half));
        var image = TinyConvNet.SampleInput(batch: 1).Select(v => (Half)v).ToArray();
        using var session = new ModelSession(OnnxModelFile.Write(half));
        Assert.Equal(
            TensorElementType.Float16,
            session.Run([new NamedTensor("x", Tensor.Create(image, [1, 3, 8, 8]))])[0].Value.ElementType);
    }

    [Fact]
    public void Constants_are_clamped_into_float16_range_keeping_sign_zero_nan_and_infinity()
    {
        float[] values = [1e6f, -1e6f, 1e-10f, -1e-10f, 0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0.5f];
        var model = new OnnxGraphBuilder("clamp")
            .Input("x", DataType.Float, values.Length)
            .Initializer("c", values, values.Length)
            .Node("Add", ["x", "c"], ["y"])
            .Output("y", DataType.Float, values.Length)
            .Build();

        var c = Halves(ModelRun.Initializer(Convert(model), "c"));

        Assert.Equal((Half)65504f, c[0]);
        Assert.Equal((Half)(-65504f), c[1]);
        Assert.Equal(BitConverter.UInt16BitsToHalf(1), c[2]);
        Assert.Equal(BitConverter.UInt16BitsToHalf(0x8001), c[3]);
        Assert.Equal(0, BitConverter.HalfToUInt16Bits(c[4]));
        Assert.True(Half.IsNaN(c[5]));
        Assert.Equal([Half.PositiveInfinity, Half.NegativeInfinity, (Half)0.5f], c[6..]);
    }

    [Fact]
    public void A_blocked_op_stays_float32_with_casts_and_an_initializer_it_shares_is_duplicated()
    {
        var model = new OnnxGraphBuilder("shared")
            .Input("x", DataType.Float, 1, 4)
            .Initializer("w", [0.5f, -1f, 2f, 3f], 1, 4)
            .Node("Mul", ["x", "w"], ["scaled"])
            .Node("Max", ["scaled", "w"], ["y"])
            .Output("y", DataType.Float, 1, 4)
            .Build();

        var half = Convert(model, Float16Options.Default with { KeepIoTypes = false });

        Assert.Equal((int)DataType.Float, ModelRun.Initializer(half, "w").DataType);
        Assert.Equal([(Half)0.5f, (Half)(-1f), (Half)2f, (Half)3f], Halves(ModelRun.Initializer(half, "w_fp16")));
        var mul = half.Graph.Node.Single(n => n.OpType == "Mul");
        var max = half.Graph.Node.Single(n => n.OpType == "Max");
        Assert.Equal(["x", "w_fp16"], mul.Input);
        Assert.Equal(["scaled_fp32", "w"], max.Input);
        Assert.Equal(["Mul", "Cast", "Max", "Cast"], ModelRun.Ops(half));
        Assert.Null(PythonOnnx.CheckerComplaint(half));

        using var session = new ModelSession(OnnxModelFile.Write(half));
        var y = session.Run([new NamedTensor("x", Tensor.Create(new[] { (Half)1f, (Half)1f, (Half)1f, (Half)1f }, [1, 4]))])[0].Value;
        Assert.Equal([0.5f, -1f, 2f, 3f], y.ToArray<Half>().Select(h => (float)h));
    }

    [Fact]
    public void A_cast_to_float_inside_a_converted_region_becomes_a_cast_to_float16()
    {
        var model = new OnnxGraphBuilder("ids")
            .Input("ids", DataType.Int64, 1, 3)
            .Initializer("w", [0.25f, 0.5f, 0.75f], 1, 3)
            .Node("Cast", ["ids"], ["ids_f"], OnnxAttributes.Int("to", (int)DataType.Float))
            .Node("Mul", ["ids_f", "w"], ["y"])
            .Output("y", DataType.Float, 1, 3)
            .Build();

        var half = Convert(model);

        Assert.Equal((int)DataType.Float16, half.Graph.Node.First(n => n.OpType == "Cast").Attribute.Single().I);
        Assert.Null(PythonOnnx.CheckerComplaint(half));
        using var session = new ModelSession(OnnxModelFile.Write(half));
        var y = session.Run([new NamedTensor("ids", Tensor.Create(new long[] { 4, 2, 1 }, [1, 3]))])[0].Value;
        Assert.Equal([1f, 1f, 0.75f], y.ToArray<float>());
    }

    [Fact]
    public void Resize_keeps_roi_and_scales_in_float32_and_integer_values_get_no_casts()
    {
        var model = new OnnxGraphBuilder("upscale")
            .Opset(13)
            .Input("x", DataType.Float, 1, 1, 2, 2)
            .Initializer("roi", ReadOnlySpan<float>.Empty, 0)
            .Initializer("scales", [1f, 1f, 2f, 2f], 4)
            .Initializer("start", new long[] { 0 })
            .Initializer("delta", new long[] { 1 })
            .Node("Resize", ["x", "roi", "scales"], ["big"], OnnxAttributes.String("mode", "nearest"))
            .Node("Shape", ["big"], ["shape"])
            .Node("Gather", ["shape", "start"], ["limit"], OnnxAttributes.Int("axis", 0))
            .Node("Range", ["start", "limit", "delta"], ["count"])
            .Node("Relu", ["big"], ["y"])
            .Output("y", DataType.Float, 1, 1, 4, 4)
            .Output("count", DataType.Int64, 1)
            .Build();

        var half = Convert(model);

        Assert.Equal((int)DataType.Float, ModelRun.Initializer(half, "roi").DataType);
        Assert.Equal((int)DataType.Float, ModelRun.Initializer(half, "scales").DataType);
        var resize = half.Graph.Node.Single(n => n.OpType == "Resize");
        Assert.Equal(["x_fp16", "roi", "scales"], resize.Input);
        Assert.Equal(["start", "limit", "delta"], half.Graph.Node.Single(n => n.OpType == "Range").Input);
        Assert.Equal(2, ModelRun.Ops(half).Count(o => o == "Cast"));
        Assert.Null(PythonOnnx.CheckerComplaint(half));

        var outputs = ModelRun.Outputs(half, ModelRun.Input("x", [1, -2, 3, -4], 1, 1, 2, 2));
        Assert.Equal([1f, 1f, 0f, 0f, 1f, 1f, 0f, 0f, 3f, 3f, 0f, 0f, 3f, 3f, 0f, 0f], outputs["y"]);
        Assert.Equal([0f], outputs["count"]);
    }

    [Fact]
    public void A_constant_only_float32_nodes_read_stays_float32()
    {
        var model = new OnnxGraphBuilder("topk")
            .Input("x", DataType.Float, 1, 4)
            .Node("Constant", [], ["floor"], OnnxAttributes.Tensor("value", [0.125f], 1))
            .Node("Relu", ["x"], ["r"])
            .Node("Max", ["r", "floor"], ["y"])
            .Output("y", DataType.Float, 1, 4)
            .Build();

        var half = Convert(model);

        var constant = half.Graph.Node.Single(n => n.OpType == "Constant");
        Assert.Equal((int)DataType.Float, constant.Attribute.Single().T.DataType);
        Assert.Equal(["r_fp32", "floor"], half.Graph.Node.Single(n => n.OpType == "Max").Input);
        Assert.Equal([0.125f, 1f, 0.125f, 2f], ModelRun.Single(half, ModelRun.Input("x", [-1, 1, 0, 2], 1, 4)));
    }

    [Fact]
    public void LayerNormalization_is_converted_unless_its_float32_statistics_are_read()
    {
        ModelProto Norm(params string[] outputs) => new OnnxGraphBuilder("norm")
            .Input("x", DataType.Float, 2, 4)
            .Initializer("gamma", [1f, 2f, 1f, 0.5f], 4)
            .Initializer("beta", [0f, 0.5f, 0f, -1f], 4)
            .Node("LayerNormalization", ["x", "gamma", "beta"], outputs)
            .Output("y", DataType.Float, 2, 4)
            .Build();

        var plain = Convert(Norm("y"));
        var withMean = Convert(Norm("y", "mean"));

        Assert.Equal((int)DataType.Float16, ModelRun.Initializer(plain, "gamma").DataType);
        Assert.Equal((int)DataType.Float, ModelRun.Initializer(withMean, "gamma").DataType);
        float[] x = [1, 2, 3, 4, -1, 0, 1, 2];
        var expected = ModelRun.Single(Norm("y"), ModelRun.Input("x", x, 2, 4));
        Assert.True(ModelRun.MaxAbsError(expected, ModelRun.Single(plain, ModelRun.Input("x", x, 2, 4))) < 0.01);
        Assert.Null(PythonOnnx.CheckerComplaint(plain));
    }

    [Fact]
    public void An_unknown_node_in_the_block_list_is_warning_MB4071()
    {
        var diagnostics = new DiagnosticBag();

        var half = new Float16Pass(Float16Options.Default with { NodeBlockList = ["Conv_0", "conv9"] }).Apply(
            TinyConvNet.Build(),
            diagnostics)!;

        var warning = Assert.Single(diagnostics.Items);
        Assert.Equal(("MB4071", DiagnosticSeverity.Warning), (warning.Code, warning.Severity));
        Assert.Contains("'conv9'", warning.Message, StringComparison.Ordinal);
        Assert.Equal((int)DataType.Float, ModelRun.Initializer(half, "w1").DataType);
        Assert.Equal((int)DataType.Float16, ModelRun.Initializer(half, "w2").DataType);
    }

    [Fact]
    public void Converting_twice_gives_the_same_bytes()
    {
        Assert.Equal(OnnxModelFile.Write(Convert(TinyConvNet.Build())), OnnxModelFile.Write(Convert(TinyConvNet.Build())));
    }
}
