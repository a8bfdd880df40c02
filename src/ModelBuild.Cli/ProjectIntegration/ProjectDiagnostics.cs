using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Cli.ProjectIntegration;

/// <summary>Diagnostics of a project's ModelReference metadata that only the engine can check.</summary>
internal static class ProjectDiagnostics
{
    public static readonly DiagnosticDescriptor CalibrationFolderMissing = new(
        "MB7010", DiagnosticSeverity.Error, "The Calibration folder of model '{0}' does not exist: '{1}'.");
}
