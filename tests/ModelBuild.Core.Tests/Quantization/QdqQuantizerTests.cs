using System.Security.Cryptography;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Tensors;
using static ModelBuild.Core.Tests.Quantization.QuantizationTestModels;
using DataType = ModelBuild.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace ModelBuild.Core.Tests.Quantization;

/// <summary>The QDQ models the quantizer writes: valid, runnable, with ONNX Runtime's parameters, and the same every time.</summary>
public sealed class QdqQuantizerTests
{
    private static readonly QuantizationOptions Defaults = new() { Optimize = false };

    // Full 8-bit weights, for the tests of the weights' scales (the default is 7-bit, reduce_range).
    private static readonly QuantizationOptions EightBitWeights = Defaults with { ReduceRange = false };

    private static QuantizationResult Quantize(ModelProto model, QuantizationOptions? options = null, ICalibrationDataSource? data = null)
        =>
        new Quantizer(options ?? Defaults).Quantize(model, data ?? Data(16, ImageShape));

    [Fact]
    public void The_QDQ_model_passes_the_onnx_checker_and_runs_close_to_the_float_model()
    {
        var model = ConvNet();

        var result = Quantize(model);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Null(PythonOnnx.CheckerComplaint(result.Model));
        var input = Data(1, ImageShape, seed: 99).Read().Single().Inputs[0].Value;
        Assert.True(Cosine(Run(model, input), Run(result.Model, input)) > 0.999);
        Assert.Contains(result.Model.Graph.Node, n => n.OpType == "QuantizeLinear");
        Assert.Equal(13, result.Model.OpsetImport.Single().Version is >= 13 ? 13 : 0);
    }

    [Fact]
    public void Weights_are_int8_per_output_channel_with_scale_max_abs_over_127_and_zero_point_0()
    {
        var model = ConvNet();
        var weights = Floats(model, "w1");

        var result = Quantize(model, EightBitWeights).Model;

        var quantized = Initializer(result, "w1_quantized");
        Assert.Equal((int)DataType.Int8, quantized.DataType);
        Assert.Equal([4L, 3, 3, 3], quantized.Dims);
        var scales = Floats(result, "w1_scale");
        Assert.Equal([4L], Initializer(result, "w1_scale").Dims);
        Assert.All(TensorProtoConversion.ToTensor(Initializer(result, "w1_zero_point")).ToArray<sbyte>(), zp => Assert.Equal(0, zp));
        var values = TensorProtoConversion.ToTensor(quantized).ToArray<sbyte>();
        for (var channel = 0; channel < 4; channel++)
        {
            var slice = weights.Skip(channel * 27).Take(27).ToArray();
            var expectedScale = (float)(2.0 * slice.Max(Math.Abs) / 254);
            Assert.Equal(expectedScale, scales[channel]);
            for (var i = 0; i < 27; i++)
            {
                Assert.Equal(Math.Round(slice[i] / expectedScale, MidpointRounding.ToEven), values[(channel * 27) + i]);
            }
        }

        var dequantize = result.Graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Input[0] == "w1_quantized");
        Assert.Equal(0, dequantize.Attribute.Single(a => a.Name == "axis").I);
    }

    [Fact]
    public void Per_tensor_weights_have_one_scale_and_no_axis()
    {
        var model = ConvNet();
        var weights = Floats(model, "w1");

        var result = Quantize(model, EightBitWeights with { PerChannel = false }).Model;

        Assert.Empty(Initializer(result, "w1_scale").Dims);
        Assert.Equal((float)(2.0 * weights.Max(Math.Abs) / 254), Floats(result, "w1_scale").Single());
        Assert.DoesNotContain(
            result.Graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Input[0] == "w1_quantized").Attribute,
            a => a.Name == "axis");
    }

    [Fact]
    public void Activation_parameters_come_from_the_calibrated_range()
    {
        var data = Data(16, ImageShape);
        var (min, max) = InputRange(data);

        var result = Quantize(ConvNet(), data: data).Model;

        // uint8 asymmetric, worked out by hand: the range already includes 0.
        var scale = (double)(max - min) / 255;
        Assert.Equal((float)scale, Floats(result, "x_scale").Single());
        Assert.Equal(
            Math.Round(-min / scale, MidpointRounding.ToEven),
            TensorProtoConversion.ToTensor(Initializer(result, "x_zero_point")).ToArray<byte>().Single());
        Assert.Equal((int)DataType.Uint8, Initializer(result, "x_zero_point").DataType);
    }

    [Fact]
    public void Bias_is_int32_with_scale_input_scale_times_weight_scale_and_zero_point_0()
    {
        var model = ConvNet();
        var bias = Floats(model, "b1");

        var result = Quantize(model).Model;

        var inputScale = Floats(result, "x_scale").Single();
        var weightScales = Floats(result, "w1_scale");
        var biasScales = Floats(result, "b1_quantized_scale");
        var quantized = TensorProtoConversion.ToTensor(Initializer(result, "b1_quantized")).ToArray<int>();
        Assert.Equal((int)DataType.Int32, Initializer(result, "b1_quantized").DataType);
        Assert.All(
            TensorProtoConversion.ToTensor(Initializer(result, "b1_quantized_zero_point")).ToArray<int>(),
            zp => Assert.Equal(0, zp));
        for (var c = 0; c < 4; c++)
        {
            Assert.Equal(inputScale * weightScales[c], biasScales[c]);
            Assert.Equal(Math.Round(bias[c] / (double)biasScales[c], MidpointRounding.ToEven), quantized[c]);
        }
    }

    [Fact]
    public void A_Relu_after_a_quantized_Conv_is_folded_into_it_for_uint8_and_kept_for_int8()
    {
        var folded = Quantize(ConvNet()).Model;
        var kept = Quantize(ConvNet(), Defaults with { ActivationType = QuantizedType.Int8 }).Model;

        Assert.DoesNotContain(folded.Graph.Node, n => n.OpType == "Relu");
        Assert.Equal("Conv", NodeWriting(folded, "r1").OpType);
        Assert.Equal(0, TensorProtoConversion.ToTensor(Initializer(folded, "r1_zero_point")).ToArray<byte>().Single());
        Assert.Single(kept.Graph.Node, n => n.OpType == "Relu");
    }

    [Fact]
    public void Int8_activations_are_symmetric_with_zero_point_0()
    {
        var data = Data(16, ImageShape);
        var (min, max) = InputRange(data);

        var result = Quantize(ConvNet(), Defaults with { ActivationType = QuantizedType.Int8 }, data).Model;

        Assert.Equal((int)DataType.Int8, Initializer(result, "x_zero_point").DataType);
        Assert.Equal(0, TensorProtoConversion.ToTensor(Initializer(result, "x_zero_point")).ToArray<sbyte>().Single());
        Assert.Equal((float)(2.0 * Math.Max(-min, max) / 254), Floats(result, "x_scale").Single());
    }

    [Fact]
    public void Reduce_range_keeps_weights_within_plus_minus_64()
    {
        var result = Quantize(ConvNet(), Defaults with { ReduceRange = true }).Model;

        var values = TensorProtoConversion.ToTensor(Initializer(result, "w1_quantized")).ToArray<sbyte>();
        Assert.Equal(64, values.Max(v => Math.Abs((int)v)));
    }

    [Fact]
    public void Excluded_nodes_and_op_types_stay_float()
    {
        var model = ConvNet();
        var second = model.Graph.Node[2].Name;

        var byName = Quantize(model, Defaults with { NodesToExclude = [second] });
        var byType = Quantize(model, Defaults with { OpTypesToExclude = ["Conv"] });

        Assert.Contains(byName.Model.Graph.Initializer, i => i.Name == "w2");
        Assert.DoesNotContain(byName.Model.Graph.Initializer, i => i.Name == "w2_quantized");
        Assert.Contains(second, byName.Report.FloatNodes);
        Assert.DoesNotContain(byType.Model.Graph.Node, n => n.OpType == "DequantizeLinear" && n.Input[0].StartsWith('w'));
        Assert.Equal("MB8152", Assert.Single(byType.Diagnostics).Code);
    }

    [Fact]
    public void An_excluded_node_that_does_not_exist_is_a_warning_with_a_suggestion()
    {
        var model = ConvNet();
        var name = model.Graph.Node[2].Name;

        var result = Quantize(model, Defaults with { NodesToExclude = [name + "x"] });

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal("MB8155", warning.Code);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Contains($"Did you mean '{name}'?", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CalibrationMethod.MinMax)]
    [InlineData(CalibrationMethod.Entropy)]
    [InlineData(CalibrationMethod.Percentile)]
    public void The_same_model_data_and_options_give_a_byte_identical_model(CalibrationMethod method)
    {
        var options = new QuantizationOptions { Calibration = new CalibratorOptions { Method = method } };

        var first = SHA256.HashData(OnnxModelFile.Write(Quantize(ConvNet(), options).Model));
        var second = SHA256.HashData(OnnxModelFile.Write(Quantize(ConvNet(), options).Model));

        Assert.Equal(Convert.ToHexString(first), Convert.ToHexString(second));
    }

    [Fact]
    public void Ops_that_only_move_data_reuse_the_scale_and_zero_point_of_their_input()
    {
        var model = new OnnxGraphBuilder("mover")
            .Input("x", DataType.Float, 1, 3, 8, 8)
            .Initializer("w", OnnxTestData.Weights(4 * 3, seed: 3), 4, 3, 1, 1)
            .Initializer("shape", [1L, 4, 64], 3)
            .Node("Conv", ["x", "w"], ["c"])
            .Node("MaxPool", ["c"], ["p"], OnnxAttributes.Ints("kernel_shape", 1, 1))
            .Node("Reshape", ["p", "shape"], ["r"])
            .Node("Transpose", ["r"], ["t"], OnnxAttributes.Ints("perm", 0, 2, 1))
            .Node("Sigmoid", ["t"], ["y"])
            .Output("y", DataType.Float, 1, 64, 4)
            .Build();

        var result = Quantize(model).Model;

        var convScale = Floats(result, "c_scale").Single();
        Assert.Equal(convScale, Floats(result, "p_scale").Single());
        Assert.Equal(convScale, Floats(result, "r_scale").Single());
        Assert.Equal(convScale, Floats(result, "t_scale").Single());
        Assert.Null(PythonOnnx.CheckerComplaint(result));
    }

    [Fact]
    public void Model_outputs_stay_float_unless_asked()
    {
        var kept = Quantize(ConvNet()).Model;
        var quantized = Quantize(ConvNet(), Defaults with { QuantizeOutputs = true }).Model;

        Assert.Equal("Conv", NodeWriting(kept, "y").OpType);
        Assert.DoesNotContain(kept.Graph.Initializer, i => i.Name == "y_scale");
        Assert.Equal("DequantizeLinear", NodeWriting(quantized, "y").OpType);
        Assert.Equal("Conv", NodeWriting(quantized, "y_QuantizeLinear_Input").OpType);
        Assert.Null(PythonOnnx.CheckerComplaint(quantized));
    }

    [Fact]
    public void Gemm_weights_are_per_output_column_and_beta_moves_into_the_bias()
    {
        var model = new OnnxGraphBuilder("gemm")
            .Input("x", DataType.Float, 1, 6)
            .Initializer("w", OnnxTestData.Weights(5 * 6, seed: 8), 5, 6)
            .Initializer("b", OnnxTestData.Weights(5, seed: 9), 5)
            .Node("Gemm", ["x", "w", "b"], ["y"], OnnxAttributes.Int("transB", 1), OnnxAttributes.Float("beta", 0.5f))
            .Output("y", DataType.Float, 1, 5)
            .Build();
        var data = Data(16, [1, 6]);

        var result = Quantize(model, data: data).Model;

        Assert.Equal([5L], Initializer(result, "w_scale").Dims);
        Assert.Equal(1f, result.Graph.Node.Single(n => n.OpType == "Gemm").Attribute.Single(a => a.Name == "beta").F);
        Assert.Equal(Floats(result, "x_scale").Single() * Floats(result, "w_scale")[0], Floats(result, "b_quantized_scale")[0]);
        var bias = Floats(model, "b");
        Assert.Equal(
            Math.Round(0.5 * bias[0] / Floats(result, "b_quantized_scale")[0], MidpointRounding.ToEven),
            TensorProtoConversion.ToTensor(Initializer(result, "b_quantized")).ToArray<int>()[0]);
        var input = data.Read().First().Inputs[0].Value;
        var expected = Run(model, input);
        var actual = Run(result, input);
        Assert.True(Cosine(expected, actual) > 0.999, $"{string.Join(", ", expected)} vs {string.Join(", ", actual)}");
    }

    [Fact]
    public void MatMul_weights_are_per_channel_on_their_last_axis()
    {
        var model = new OnnxGraphBuilder("matmul")
            .Input("x", DataType.Float, 2, 6)
            .Initializer("w", OnnxTestData.Weights(6 * 3, seed: 10), 6, 3)
            .Node("MatMul", ["x", "w"], ["y"])
            .Output("y", DataType.Float, 2, 3)
            .Build();

        var result = Quantize(model, data: Data(8, [2, 6])).Model;

        Assert.Equal([3L], Initializer(result, "w_scale").Dims);
        var dequantize = result.Graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Input[0] == "w_quantized");
        Assert.Equal(1, dequantize.Attribute.Single(a => a.Name == "axis").I);
    }

    [Fact]
    public void A_model_with_nothing_to_quantize_stays_float_with_MB8152()
    {
        var model = new OnnxGraphBuilder("sine")
            .Input("x", DataType.Float, 1, 4)
            .Node("Sin", ["x"], ["y"])
            .Output("y", DataType.Float, 1, 4)
            .Build();

        var result = Quantize(model, data: Data(4, [1, 4]));

        Assert.Equal("MB8152", Assert.Single(result.Diagnostics).Code);
        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType == "QuantizeLinear");
        Assert.True(result.Succeeded);
    }

    [Fact]
    public void The_report_lists_every_quantized_tensor_with_its_parameters_and_SQNR()
    {
        var result = Quantize(ConvNet());
        var report = result.Report;

        Assert.Equal(["x", "r1"], report.Tensors.Where(t => t.Tensor.Kind == QuantizedTensorKind.Activation).Select(t => t.Tensor.Name));
        Assert.Equal(
            ["w1", "w2", "b1", "b2"],
            report.Tensors.Where(t => t.Tensor.Kind != QuantizedTensorKind.Activation).Select(t => t.Tensor.Name));
        Assert.All(
            report.Tensors.Where(t => t.Tensor.Kind == QuantizedTensorKind.Activation),
            t => Assert.InRange(t.LocalSqnr!.Value, 30, 80));
        Assert.All(report.Tensors.Where(t => t.Tensor.Kind == QuantizedTensorKind.Weight), t => Assert.InRange(t.Sqnr!.Value, 30, 80));
        Assert.Equal("Relu", report.Tensors.Single(t => t.Tensor.Name == "r1").Tensor.Fused?.OpType);
        var output = Assert.Single(report.Outputs);
        Assert.True(output.Cosine > 0.999);
        Assert.Null(output.Top1Agreement);
        Assert.True(report.QuantizedModelBytes > 0);
        // The Relu counts as quantized: its clipping is now done by the quantization of the Conv's output.
        Assert.Equal(3, report.QuantizedNodes.Count);
        Assert.Empty(report.FloatNodes);
    }
}
