using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>
/// The engine tests' model: Conv 3×3 → Relu → Conv 1×1 → Relu on 3×8×8 images with a dynamic batch
/// (symbolic dimension "N"), built in code; and a way to run any model of that signature.
/// </summary>
internal static class TinyConvNet
{
    public const string InputName = "x";
    public const string OutputName = "y";
    public const string BatchDimension = "N";

    /// <summary>The shape of one image: channels, height, width.</summary>
    public static readonly long[] ImageShape = [3, 8, 8];

    public static ModelProto Build() =>
        new OnnxGraphBuilder("tiny_conv")
            .Input(InputName, TensorProto.Types.DataType.Float, BatchDimension, 3, 8, 8)
            .Initializer("w1", OnnxTestData.Weights(4 * 3 * 3 * 3, seed: 11), 4, 3, 3, 3)
            .Initializer("b1", OnnxTestData.Weights(4, seed: 12), 4)
            .Initializer("w2", OnnxTestData.Weights(2 * 4, seed: 13), 2, 4, 1, 1)
            .Initializer("b2", OnnxTestData.Weights(2, seed: 14), 2)
            .Node("Conv", [InputName, "w1", "b1"], ["c1"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c1"], ["r1"])
            .Node("Conv", ["r1", "w2", "b2"], ["c2"])
            .Node("Relu", ["c2"], [OutputName])
            .Output(OutputName, TensorProto.Types.DataType.Float, BatchDimension, 2, 8, 8)
            .Build();

    public static byte[] Bytes() => OnnxModelFile.Write(Build());

    /// <summary>A deterministic input batch with positive and negative values, so both Relu branches are taken.</summary>
    public static float[] SampleInput(int batch) =>
        [.. Enumerable.Range(0, batch * 3 * 8 * 8).Select(i => MathF.Sin(i * 0.37f) * 2f)];

    /// <summary>Runs <paramref name="model"/> in ONNX Runtime on <paramref name="input"/> (a batch of <paramref name="batch"/>
    /// images).</summary>
    public static float[] Run(byte[] model, float[] input, long batch)
    {
        using var session = new ModelSession(model);
        var outputs = session.Run([new NamedTensor(InputName, Tensor.Create(input, [batch, .. ImageShape]))]);
        var output = Assert.Single(outputs);
        Assert.Equal(OutputName, output.Name);
        Assert.Equal([batch, 2L, 8, 8], output.Value.Shape);
        return output.Value.ToArray<float>();
    }
}
