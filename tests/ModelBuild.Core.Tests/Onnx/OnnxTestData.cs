using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Tests.Onnx;

/// <summary>
/// The ONNX backend test models of Debian's libonnx-testdata package (written by the onnx
/// Python package), and small models for the tests that need one.
/// </summary>
internal static class OnnxTestData
{
    private const string Root = "/usr/share/libonnx-testdata/data";

    /// <summary>Every model of the package; fails with what to install when it is missing.</summary>
    public static IReadOnlyList<string> BackendModels()
    {
        ModelBuild.Tests.DebianPackage.OnnxTestData.Require(Root);
        var models = Directory.EnumerateFiles(Root, "*.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.True(models.Count > 1000, $"Expected the package's 1000+ models under {Root}, found {models.Count}.");
        return models;
    }

    /// <summary>Conv → Relu → Conv → Relu on a 3×16×16 image with a dynamic batch.</summary>
    public static ModelProto ConvReluNet() =>
        new OnnxGraphBuilder("conv_relu")
            .Input("image", TensorProto.Types.DataType.Float, "batch", 3, 16, 16)
            .Initializer("w1", Weights(8 * 3 * 3 * 3, seed: 1), 8, 3, 3, 3).Initializer("b1", new float[8], 8)
            .Initializer("w2", Weights(4 * 8 * 3 * 3, seed: 2), 4, 8, 3, 3).Initializer("b2", new float[4], 4)
            .Node("Conv", ["image", "w1", "b1"], ["c1"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c1"], ["r1"])
            .Node("Conv", ["r1", "w2", "b2"], ["c2"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c2"], ["features"])
            .Output("features", TensorProto.Types.DataType.Float, "batch", 4, 16, 16)
            .Build();

    /// <summary>Deterministic pseudo-random weights in [-0.5, 0.5).</summary>
    public static float[] Weights(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5))];
    }

    /// <summary>A 1×1 red PNG image (82 bytes, written by ImageMagick with -strip).</summary>
    public static byte[] TinyPng() =>
    [
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
        0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
        0x01, 0x03, 0x00, 0x00, 0x00, 0x25, 0xdb, 0x56, 0xca, 0x00, 0x00, 0x00,
        0x03, 0x50, 0x4c, 0x54, 0x45, 0xff, 0x00, 0x00, 0x19, 0xe2, 0x09, 0x37,
        0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0x60,
        0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0xe2, 0x21, 0xbc, 0x33, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];
}
