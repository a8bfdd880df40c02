using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Quantization;

/// <summary>
/// The outcome of <see cref="Quantizer"/>'s Quantize: the QDQ model (the prepared float model when nothing
/// could be quantized), its report, and warnings or errors (an error: over the accuracy budget).
/// </summary>
public sealed record QuantizationResult(ModelProto Model, QuantizationReport Report, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>False when an error was reported; <see cref="Model"/> is then the closest the search came.</summary>
    public bool Succeeded => !Diagnostics.Any(d => d.IsError);
}
