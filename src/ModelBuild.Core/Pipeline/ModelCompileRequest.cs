using ModelBuild.Core.Diagnostics;

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
    SourceLocation? PrecisionAt = null);
