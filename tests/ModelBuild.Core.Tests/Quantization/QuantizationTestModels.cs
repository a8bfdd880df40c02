using ModelBuild.Core.Calibration;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Tensors;
using DataType = ModelBuild.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace ModelBuild.Core.Tests.Quantization;

/// <summary>Small float models built in code for the quantizer tests, their calibration data, and ways to look inside the
/// results.</summary>
internal static class QuantizationTestModels
{
    public static readonly long[] ImageShape = [1, 3, 8, 8];

    /// <summary>x[1,3,8,8] → Conv 3×3 (4 channels) → Relu → Conv 1×1 (2 channels) → y, at <paramref name="opset"/>.</summary>
    public static ModelProto ConvNet(long opset = OnnxGraphBuilder.DefaultOpsetVersion) =>
        new OnnxGraphBuilder("convnet")
            .Opset(opset)
            .Input("x", DataType.Float, 1, 3, 8, 8)
            .Initializer("w1", OnnxTestData.Weights(4 * 3 * 3 * 3, seed: 21), 4, 3, 3, 3)
            .Initializer("b1", OnnxTestData.Weights(4, seed: 22), 4)
            .Initializer("w2", OnnxTestData.Weights(2 * 4, seed: 23), 2, 4, 1, 1)
            .Initializer("b2", OnnxTestData.Weights(2, seed: 24), 2)
            .Node("Conv", ["x", "w1", "b1"], ["c1"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c1"], ["r1"])
            .Node("Conv", ["r1", "w2", "b2"], ["y"])
            .Output("y", DataType.Float, 1, 2, 8, 8)
            .Build();

    /// <summary><paramref name="count"/> deterministic inputs of <paramref name="shape"/> for input <paramref name="name"/>, values in [-2,
    /// 2).</summary>
    public static TensorCalibrationData Data(int count, long[] shape, string name = "x", int seed = 5)
    {
        var random = new Random(seed);
        var elements = (int)shape.Aggregate(1L, (a, b) => a * b);
        return TensorCalibrationData.ForInput(name, Enumerable.Range(0, count)
            .Select(
                _ => Tensor.Create(Enumerable.Range(0, elements).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray(), shape)));
    }

    /// <summary>The smallest and largest input value over all samples.</summary>
    public static (float Min, float Max) InputRange(ICalibrationDataSource data) =>
        (data.Read().Min(s => s.Inputs[0].Value.AsSpan<float>().ToArray().Min()), data.Read()
            .Max(s => s.Inputs[0].Value.AsSpan<float>().ToArray().Max()));

    public static TensorProto Initializer(ModelProto model, string name) =>
        model.Graph.Initializer.FirstOrDefault(i => i.Name == name) ?? throw new Xunit.Sdk.XunitException(
            $"No initializer '{name}' in [{string.Join(", ", model.Graph.Initializer.Select(i => i.Name))}].");

    public static float[] Floats(ModelProto model, string name)
        => TensorProtoConversion.ToTensor(Initializer(model, name)).ToArray<float>();

    public static NodeProto NodeWriting(ModelProto model, string output) =>
        model.Graph.Node.FirstOrDefault(n => n.Output.Contains(output))
            ?? throw new Xunit.Sdk.XunitException($"No node writes '{output}'.");

    /// <summary>Runs <paramref name="model"/> in ONNX Runtime on one input and returns its first output.</summary>
    public static float[] Run(ModelProto model, Tensor input, string inputName = "x")
    {
        using var session = new ModelSession(OnnxModelFile.Write(model));
        return session.Run([new NamedTensor(inputName, input)])[0].Value.ToArray<float>();
    }

    /// <summary>The cosine similarity of two outputs (<see cref="Passes.ModelRun.Cosine"/>).</summary>
    public static double Cosine(float[] a, float[] b) => Passes.ModelRun.Cosine(a, b);
}
