using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Cli.Tests.CacheSafety;

/// <summary>
/// <see cref="TinyConvNet"/>'s signature with a wide 3×3 convolution in the middle, so its size can be chosen:
/// about 36 × <c>channels</c>² bytes. Storage-failure tests need files larger than a file size limit or a disk.
/// </summary>
internal static class WideConvNet
{
    public static byte[] Bytes(int channels) => OnnxModelFile.Write(
        new OnnxGraphBuilder("wide_conv")
            .Input(TinyConvNet.InputName, TensorProto.Types.DataType.Float, TinyConvNet.BatchDimension, 3, 8, 8)
            .Initializer("w1", OnnxTestData.Weights(channels * 3 * 3 * 3, seed: 21), channels, 3, 3, 3)
            .Initializer("w2", OnnxTestData.Weights(channels * channels * 3 * 3, seed: 22), channels, channels, 3, 3)
            .Initializer("w3", OnnxTestData.Weights(2 * channels, seed: 23), 2, channels, 1, 1)
            .Node("Conv", [TinyConvNet.InputName, "w1"], ["c1"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c1"], ["r1"])
            .Node("Conv", ["r1", "w2"], ["c2"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c2"], ["r2"])
            .Node("Conv", ["r2", "w3"], [TinyConvNet.OutputName])
            .Output(TinyConvNet.OutputName, TensorProto.Types.DataType.Float, TinyConvNet.BatchDimension, 2, 8, 8)
            .Build());
}
