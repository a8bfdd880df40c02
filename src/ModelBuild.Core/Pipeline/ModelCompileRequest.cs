using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// One model to compile: its manifest, the name its outputs take, and the target and precision asked
/// for. <see cref="TargetAt"/> and <see cref="PrecisionAt"/> are where those were written (the
/// ModelTarget and Precision of the project's ModelReference item), for diagnostics about them;
/// null when they came from the command line.
/// </summary>
public sealed record ModelCompileRequest(
    string ManifestPath,
    string Name,
    string Target,
    string Precision,
    SourceLocation? TargetAt = null,
    SourceLocation? PrecisionAt = null)
{
    /// <summary>ModelConverter-style overrides applied to the manifest before it is validated (the Overrides metadata).</summary>
    public ManifestOverrides Overrides { get; init; } = ManifestOverrides.Empty;

    /// <summary>The last stage to run; <see cref="PipelineStage.Package"/> compiles the whole model.</summary>
    public PipelineStage StopAfter { get; init; } = PipelineStage.Package;
}
