using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Tensors;
using static ModelBuild.Core.Tests.Quantization.QuantizationTestModels;
using DataType = ModelBuild.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace ModelBuild.Core.Tests.Quantization;

/// <summary>Multiplications and additions by constants folded into Conv weights and biases compute the same.</summary>
public sealed class AffineFoldingTests
{
    /// <summary>
    /// Conv → Mul (constant first) → Add → Relu → Div → Mul → Conv 1×1 → Add → padded Conv.
    /// </summary>
    private static ModelProto AffineChain() =>
        new OnnxGraphBuilder("affine")
            .Input("x", DataType.Float, 1, 3, 8, 8)
            .Initializer("w1", OnnxTestData.Weights(4 * 3 * 3 * 3, seed: 41), 4, 3, 3, 3)
            .Initializer("scale", [1.5f, -0.5f, 2f, 0.25f], 1, 4, 1, 1)
            .Initializer("shift", [0.1f], 1)
            .Initializer("six", [6f], 1)
            .Initializer("gain", [0.8f, 1.2f, 0.9f, 1.1f], 4, 1, 1)
            .Initializer("w2", OnnxTestData.Weights(4 * 4, seed: 42), 4, 4, 1, 1)
            .Initializer("b2", OnnxTestData.Weights(4, seed: 43), 4)
            .Initializer("offset", [0.3f, -0.2f, 0.1f, 0.4f], 1, 4, 1, 1)
            .Initializer("w3", OnnxTestData.Weights(2 * 4 * 3 * 3, seed: 44), 2, 4, 3, 3)
            .Node("Conv", ["x", "w1"], ["c1"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Node("Mul", ["scale", "c1"], ["m1"])
            .Node("Add", ["m1", "shift"], ["a1"])
            .Node("Relu", ["a1"], ["r1"])
            .Node("Div", ["r1", "six"], ["d1"])
            .Node("Mul", ["d1", "gain"], ["m2"])
            .Node("Conv", ["m2", "w2", "b2"], ["c2"])
            .Node("Add", ["c2", "offset"], ["a2"])
            .Node("Conv", ["a2", "w3"], ["y"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Output("y", DataType.Float, 1, 2, 8, 8)
            .Build();

    [Fact]
    public void Constant_scales_and_shifts_fold_into_Conv_nodes_and_the_result_computes_the_same()
    {
        var original = AffineChain();
        var folded = original.Clone();

        var count = AffineFolding.Apply(folded);

        // Mul and Add into the first Conv; Div and Mul into the second, the Add after it into its bias.
        Assert.Equal(5, count);
        Assert.Equal(["Conv", "Relu", "Conv", "Conv"], folded.Graph.Node.Select(n => n.OpType));
        Assert.Null(PythonOnnx.CheckerComplaint(folded));
        var input = Data(1, ImageShape, seed: 3).Read().Single().Inputs[0].Value;
        var expected = Run(original, input);
        var actual = Run(folded, input);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 4);
        }
    }

    [Fact]
    public void An_addition_before_a_padded_Conv_is_not_folded()
    {
        var model = new OnnxGraphBuilder("padded")
            .Input("x", DataType.Float, 1, 2, 4, 4)
            .Initializer("offset", [1f], 1)
            .Initializer("w", OnnxTestData.Weights(2 * 2 * 3 * 3, seed: 5), 2, 2, 3, 3)
            .Node("Add", ["x", "offset"], ["shifted"])
            .Node("Conv", ["shifted", "w"], ["y"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Output("y", DataType.Float, 1, 2, 4, 4)
            .Build();

        Assert.Equal(0, AffineFolding.Apply(model));
        Assert.Equal(2, model.Graph.Node.Count);
    }
}
