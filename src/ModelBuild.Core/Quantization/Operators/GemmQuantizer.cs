using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Quantization.Operators;

/// <summary>
/// Gemm: A and the output as activations, B as int8 per channel along its output axis (0 when transB, else 1),
/// a one-dimensional C as an int32 bias holding beta × C at input scale × weight scale (the writer then sets beta
/// to 1). With alpha ≠ 1 the accumulator has another scale, so C stays float.
/// </summary>
internal sealed class GemmQuantizer : IOperatorQuantizer
{
    public bool Quantize(NodeProto node, QuantizationContext context)
    {
        if (node.Input.Count < 2 || !context.IsFloatActivation(node.Input[0]) || !context.IsFloatConstant(node.Input[1]))
        {
            return false;
        }

        var transposed = node.Attribute.FirstOrDefault(a => a.Name == "transB")?.I == 1;
        context.Activation(node.Input[0], node);
        context.Weight(node.Input[1], transposed ? 0 : 1, node);
        var alpha = node.Attribute.FirstOrDefault(a => a.Name == "alpha")?.F ?? 1f;
        if (alpha == 1f && node.Input.Count > 2 && node.Input[2].Length > 0 && context.Constant(node.Input[2]) is { Dims.Count: 1 })
        {
            var beta = node.Attribute.FirstOrDefault(a => a.Name == "beta")?.F ?? 1f;
            context.Bias(node.Input[2], node.Input[0], node.Input[1], beta, node);
        }

        context.Activation(node.Output[0], node);
        return true;
    }
}
