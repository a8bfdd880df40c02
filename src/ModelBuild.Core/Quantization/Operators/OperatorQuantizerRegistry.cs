using System.Collections.Frozen;

namespace ModelBuild.Core.Quantization.Operators;

/// <summary>
/// Which class quantizes which op type. Adding an operator is adding a row here (and a class when no
/// family fits), never editing a switch. An op type without a row stays float.
/// </summary>
internal static class OperatorQuantizerRegistry
{
    private static readonly FrozenDictionary<string, IOperatorQuantizer> Rows = new Dictionary<string, IOperatorQuantizer>(
        StringComparer.Ordinal)
    {
        ["Conv"] = new ConvQuantizer(weightAxis: 0),
        ["ConvTranspose"] = new ConvQuantizer(weightAxis: 1),
        ["Gemm"] = new GemmQuantizer(),
        ["MatMul"] = new MatMulQuantizer(),
        ["Relu"] = new RemovableActivationQuantizer(),
        ["Clip"] = new RemovableActivationQuantizer(),
        ["Add"] = new GenericQuantizer(),
        ["Mul"] = new GenericQuantizer(),
        ["Concat"] = new GenericQuantizer(),
        ["Sigmoid"] = new GenericQuantizer(),
        ["Softmax"] = new GenericQuantizer(),
        ["LeakyRelu"] = new GenericQuantizer(),
        ["GlobalAveragePool"] = new GenericQuantizer(),
        ["BatchNormalization"] = new GenericQuantizer(dataInputs: 1),
        ["Reshape"] = new DataMovementQuantizer(),
        ["Transpose"] = new DataMovementQuantizer(),
        ["Squeeze"] = new DataMovementQuantizer(),
        ["Unsqueeze"] = new DataMovementQuantizer(),
        ["MaxPool"] = new DataMovementQuantizer(),
        ["AveragePool"] = new DataMovementQuantizer(),
        ["Resize"] = new DataMovementQuantizer(),
        ["Slice"] = new DataMovementQuantizer(),
        ["Pad"] = new DataMovementQuantizer(),
        ["Split"] = new DataMovementQuantizer(),
        ["Gather"] = new DataMovementQuantizer(),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The op types that have a quantizer.</summary>
    public static IEnumerable<string> OpTypes => Rows.Keys;

    public static IOperatorQuantizer? Find(string opType) => Rows.GetValueOrDefault(opType);
}
