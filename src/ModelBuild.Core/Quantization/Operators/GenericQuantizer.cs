using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Quantization.Operators;

/// <summary>
/// Operators computed on dequantized values with their own output range (Add, Mul, Concat, Sigmoid, Softmax,
/// GlobalAveragePool...): every float data input and every output is quantized with its own parameters;
/// constant operands are stored quantized. <c>dataInputs</c> limits the inputs looked at (BatchNormalization's
/// statistics stay float).
/// </summary>
internal sealed class GenericQuantizer(int dataInputs = int.MaxValue) : IOperatorQuantizer
{
    public bool Quantize(NodeProto node, QuantizationContext context)
    {
        var inputs = node.Input.Take(dataInputs).Where(i => i.Length > 0).ToList();
        if (inputs.Count == 0 || node.Output.Count == 0
            || !inputs.Any(context.IsFloatActivation)
            || !inputs.All(i => context.IsFloatActivation(i) || context.IsFloatConstant(i))
            || !node.Output.All(context.IsFloatActivation))
        {
            return false;
        }

        foreach (var input in inputs)
        {
            context.Activation(input, node);
        }

        foreach (var output in node.Output)
        {
            context.Activation(output, node);
        }

        return true;
    }
}
