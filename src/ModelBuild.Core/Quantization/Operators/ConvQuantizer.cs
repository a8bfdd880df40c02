using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Quantization.Operators;

/// <summary>
/// Conv and ConvTranspose: the data input and the output as activations, the weight as int8 per channel
/// (axis 0 for Conv, the output channels; axis 1 for ConvTranspose), the bias as int32.
/// </summary>
internal sealed class ConvQuantizer(int weightAxis) : IOperatorQuantizer
{
    public bool Quantize(NodeProto node, QuantizationContext context)
    {
        if (node.Input.Count < 2 || !context.IsFloatActivation(node.Input[0]) || !context.IsFloatConstant(node.Input[1]))
        {
            return false;
        }

        context.Activation(node.Input[0], node);
        context.Weight(node.Input[1], weightAxis, node);
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            context.Bias(node.Input[2], node.Input[0], node.Input[1], 1f, node);
        }

        context.Activation(node.Output[0], node);
        return true;
    }
}
