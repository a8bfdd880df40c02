namespace ModelBuild.Core.Quantization;

/// <summary>What a quantized tensor is.</summary>
public enum QuantizedTensorKind
{
    /// <summary>A tensor computed while the model runs, quantized with a calibrated range.</summary>
    Activation,

    /// <summary>A weight, int8 symmetric, stored quantized.</summary>
    Weight,

    /// <summary>A constant operand (of Add, Mul...) stored quantized with the activation type.</summary>
    Constant,

    /// <summary>A bias, int32 with zero point 0 and scale input scale × weight scale.</summary>
    Bias,
}

/// <summary>
/// One tensor of the QDQ model and how it is quantized. <see cref="Name"/> is its name in the float model;
/// in the QDQ model its float value before quantization is <see cref="PreQuantizeName"/> (activations only)
/// and its dequantized value <see cref="DequantizedName"/>.
/// </summary>
/// <param name="Name">The tensor in the float model.</param>
/// <param name="Kind">Activation, weight, constant or bias.</param>
/// <param name="Node">The node it was quantized for.</param>
/// <param name="OpType">That node's op type.</param>
/// <param name="ElementType">uint8, int8 or int32.</param>
/// <param name="Scales">One scale, or one per channel.</param>
/// <param name="ZeroPoints">One zero point, or one per channel.</param>
/// <param name="Axis">The channel axis of per-channel parameters; null per tensor.</param>
/// <param name="RangeMin">The low end of the range the parameters come from (calibrated, or the data's minimum).</param>
/// <param name="RangeMax">The high end of that range.</param>
/// <param name="SharesWith">The tensor whose parameters it reuses (ops that only move data), or null.</param>
/// <param name="PreQuantizeName">Its float value in the QDQ model, read by QuantizeLinear; null for constants.</param>
/// <param name="DequantizedName">The output of its DequantizeLinear in the QDQ model.</param>
/// <param name="Fused">The Relu or Clip folded into its producer, whose clipping its quantization now does; null when none.</param>
public sealed record QuantizedTensor(
    string Name,
    QuantizedTensorKind Kind,
    string Node,
    string OpType,
    string ElementType,
    IReadOnlyList<float> Scales,
    IReadOnlyList<int> ZeroPoints,
    int? Axis,
    float RangeMin,
    float RangeMax,
    string? SharesWith,
    string? PreQuantizeName,
    string DequantizedName,
    FusedActivation? Fused = null);

/// <summary>A Relu or Clip removed because the quantization of its output clips the same way: the values it let through.</summary>
public sealed record FusedActivation(string Node, string OpType, double Low, double High);
