using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// One model to compile: its manifest, the name its outputs take, and the target and precision asked
/// for. <see cref="RequestedAt"/> is where target and precision were written (the project's
/// ModelReference item), for diagnostics about them.
/// </summary>
public sealed record ModelCompileRequest(
    string ManifestPath,
    string Name,
    string Target,
    string Precision,
    SourceLocation? RequestedAt = null);
