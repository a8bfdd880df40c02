using System.Globalization;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;
using DataType = ModelBuild.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>
/// A small real model for consumer projects: Conv → Relu → Conv → Relu with a dynamic batch, and the
/// C# an app uses to run it through its generated accessor.
/// </summary>
internal static class TinyModel
{
    public const int Channels = 3;
    public const int Size = 8;

    public static byte[] Create(int seed = 1)
    {
        var model = new OnnxGraphBuilder("tiny")
            .Input("image", DataType.Float, "N", Channels, Size, Size)
            .Initializer("w1", Weights(4 * Channels * 3 * 3, seed), 4, Channels, 3, 3).Initializer("b1", Weights(4, seed + 1), 4)
            .Initializer("w2", Weights(2 * 4 * 3 * 3, seed + 2), 2, 4, 3, 3).Initializer("b2", Weights(2, seed + 3), 2)
            .Node("Conv", ["image", "w1", "b1"], ["c1"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c1"], ["r1"])
            .Node("Conv", ["r1", "w2", "b2"], ["c2"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c2"], ["scores"])
            .Output("scores", DataType.Float, "N", 2, Size, Size)
            .Build();
        return OnnxModelFile.Write(model);
    }

    /// <summary>The input every app feeds: a fixed pattern, so the test can compute the expected result.</summary>
    public static float[] Input(int count) => [.. Enumerable.Range(0, count).Select(i => (i % 7) - 3f)];

    /// <summary>What the app prints for <paramref name="model"/> run at batch 1, computed here with ONNX Runtime on the original.</summary>
    public static string ExpectedSum(byte[] model)
    {
        using var session = new ModelSession(model);
        var input = Input(Channels * Size * Size);
        var output = session.Run([new NamedTensor("image", Tensor.Create(input, [1, Channels, Size, Size]))]);
        return output[0].Value.ToArray<float>().Sum().ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>The consumer app: runs the embedded model through the accessor's ONNX Runtime session and prints what it
    /// computes.</summary>
    public static string Program(string modelClass) => $$"""
        using System.Globalization;
        using Microsoft.ML.OnnxRuntime;
        using Consumer;

        var model = Models.{{modelClass}}.Inputs[0];
        Console.WriteLine($"resource={Models.{{modelClass}}.ResourceName}");
        Console.WriteLine($"shape={string.Join(",", model.Shape)}");
        Console.WriteLine($"sha256={Models.{{modelClass}}.Sha256}");
        using var session = Models.{{modelClass}}.CreateSession();
        var count = (int)model.Shape.Aggregate(1L, (a, b) => a * b);
        var input = Enumerable.Range(0, count).Select(i => (i % 7) - 3f).ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(input, [.. model.Shape]);
        using var options = new RunOptions();
        using var output = session.Run(options, [model.Name], [value], [session.OutputNames[0]]);
        Console.WriteLine("sum=" + output[0].GetTensorDataAsSpan<float>().ToArray().Sum().ToString("R", CultureInfo.InvariantCulture));
        """;

    public static string Manifest(string modelFile, string shape = "[1, 3, 8, 8]") => $"""
        input_model: {modelFile}
        inputs:
          - name: image
            shape: {shape}
            mean_values: 0
            scale_values: 1
            encoding: RGB
        """;

    private static float[] Weights(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5))];
    }
}
