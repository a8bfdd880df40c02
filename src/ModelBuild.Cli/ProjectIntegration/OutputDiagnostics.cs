using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Cli.ProjectIntegration;

/// <summary>Diagnostics of writing compiled models into their output folders.</summary>
internal static class OutputDiagnostics
{
    public static readonly DiagnosticDescriptor OutputFolderNotWritable = new(
        "MB6015", DiagnosticSeverity.Error, "Cannot write the compiled model '{0}' to '{1}': {2}");
}
