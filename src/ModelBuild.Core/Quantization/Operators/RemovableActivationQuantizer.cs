using System.Buffers.Binary;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Quantization.Operators;

/// <summary>
/// Relu and Clip. When their input comes quantized from a node they alone consume, they are folded into it
/// (the quantization of their output clips exactly as they do); otherwise input and output are quantized. A
/// node whose input nobody quantized stays float, as in ONNX Runtime.
/// </summary>
internal sealed class RemovableActivationQuantizer : IOperatorQuantizer
{
    public bool Quantize(NodeProto node, QuantizationContext context)
    {
        if (node.Input.Count == 0 || node.Output.Count == 0 || !context.IsQuantized(node.Input[0])
            || !context.IsFloatActivation(node.Output[0]))
        {
            return false;
        }

        if (Bounds(node, context) is { } bounds && context.TryFuse(node, bounds.Low, bounds.High))
        {
            return true;
        }

        context.Activation(node.Input[0], node);
        context.Activation(node.Output[0], node);
        return true;
    }

    /// <summary>What the node lets through, or null when its bounds are not constants.</summary>
    private static (double Low, double High)? Bounds(NodeProto node, QuantizationContext context)
    {
        if (node.OpType == "Relu")
        {
            return (0, double.PositiveInfinity);
        }

        // Clip before opset 11 has min/max attributes; from 11 they are optional inputs.
        var low = node.Attribute.FirstOrDefault(a => a.Name == "min")?.F ?? float.NegativeInfinity;
        var high = node.Attribute.FirstOrDefault(a => a.Name == "max")?.F ?? float.PositiveInfinity;
        if (node.Input.Count > 1 && node.Input[1].Length > 0)
        {
            if (Scalar(context.Constant(node.Input[1])) is not { } min)
            {
                return null;
            }

            low = min;
        }

        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            if (Scalar(context.Constant(node.Input[2])) is not { } max)
            {
                return null;
            }

            high = max;
        }

        return (low, high);
    }

    private static float? Scalar(TensorProto? tensor)
    {
        if (tensor is null || tensor.DataType != (int)TensorProto.Types.DataType.Float || tensor.Dims.Aggregate(1L, (a, b) => a * b) != 1)
        {
            return null;
        }

        return tensor.FloatData.Count == 1 ? tensor.FloatData[0]
            : tensor.RawData.Length == 4 ? BinaryPrimitives.ReadSingleLittleEndian(tensor.RawData.Span)
            : null;
    }
}
