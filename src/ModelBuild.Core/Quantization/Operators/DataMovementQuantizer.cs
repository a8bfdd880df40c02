using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Quantization.Operators;

/// <summary>
/// Operators that only move, select or pool values (Reshape, Transpose, MaxPool, Resize, Slice, Split,
/// Gather...): the data input (input 0) is quantized and every output reuses its scale and zero point, so the
/// integer values pass through unchanged. Shape, index, scale and padding inputs stay as they are.
/// </summary>
internal sealed class DataMovementQuantizer : IOperatorQuantizer
{
    public bool Quantize(NodeProto node, QuantizationContext context)
    {
        if (node.Input.Count == 0 || !context.IsFloatActivation(node.Input[0]) || !node.Output.All(context.IsFloatActivation))
        {
            return false;
        }

        context.Activation(node.Input[0], node);
        foreach (var output in node.Output)
        {
            context.Share(output, node.Input[0], node);
        }

        return true;
    }
}
