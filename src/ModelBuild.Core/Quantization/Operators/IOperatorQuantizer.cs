using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Quantization.Operators;

/// <summary>
/// Decides how one family of operators is quantized: which of a node's inputs and outputs become
/// QuantizeLinear/DequantizeLinear pairs, which constants are stored quantized, and how.
/// </summary>
internal interface IOperatorQuantizer
{
    /// <summary>Declares what of <paramref name="node"/> is quantized; false when the node stays float.</summary>
    bool Quantize(NodeProto node, QuantizationContext context);
}
