namespace ModelBuild.Core.Targets;

/// <summary>
/// What one compile target produces and which precisions it supports. <see cref="Implemented"/> lists
/// the precisions this version of ModelBuild can actually produce; the rest of
/// <see cref="Supported"/> is the target's own capability, reported as "not implemented yet".
/// </summary>
public sealed record TargetCapability(
    string Name,
    string Description,
    IReadOnlyList<Precision> Supported,
    IReadOnlyList<Precision> Implemented,
    IReadOnlyList<string> OutputExtensions)
{
    /// <summary>
    /// Whether mean, scale and a channel flip go into the compiled model unless the manifest says otherwise
    /// (<c>bake_preprocessing</c>). Runtime targets keep the original's input semantics, so the compiled model
    /// is a drop-in replacement; the blob targets' toolchains fold preprocessing into their blobs (given to the
    /// tool, or baked into the ONNX where the tool has no flags for it); OpenVINO IR keeps the input semantics.
    /// </summary>
    public bool BakesPreprocessing { get; init; }

    /// <summary>Whether FP16 keeps float32 inputs and outputs unless <c>fp16.keep_io_types</c> says otherwise.</summary>
    public bool KeepsFloatIo { get; init; }

    /// <summary>
    /// Whether a vendor compiler (ModelConverter or the vendor's own tools) makes the compiled model from the
    /// prepared ONNX model; the vendor applies the precision itself, so no FP16 step runs before it.
    /// </summary>
    public bool UsesVendorToolchain { get; init; }
}
