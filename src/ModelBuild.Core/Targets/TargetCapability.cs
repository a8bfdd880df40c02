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
    IReadOnlyList<string> OutputExtensions);
