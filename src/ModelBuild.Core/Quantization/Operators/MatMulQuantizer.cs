using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Quantization.Operators;

/// <summary>
/// MatMul: activation inputs and the output as activations; a constant second input as an int8 weight per
/// channel along its last axis (the output columns); a constant first input per tensor.
/// </summary>
internal sealed class MatMulQuantizer : IOperatorQuantizer
{
    public bool Quantize(NodeProto node, QuantizationContext context)
    {
        if (node.Input.Count != 2 || !context.IsFloatActivation(node.Output[0])
            || !node.Input.All(i => context.IsFloatActivation(i) || context.IsFloatConstant(i)))
        {
            return false;
        }

        for (var i = 0; i < 2; i++)
        {
            var input = node.Input[i];
            if (context.IsFloatConstant(input))
            {
                var rank = context.Constant(input)!.Dims.Count;
                context.Weight(input, i == 1 ? rank - 1 : -1, node);
            }
            else
            {
                context.Activation(input, node);
            }
        }

        context.Activation(node.Output[0], node);
        return true;
    }
}
