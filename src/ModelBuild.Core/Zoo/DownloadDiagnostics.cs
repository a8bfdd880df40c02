using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Zoo;

/// <summary>The diagnostics of <c>modelbuild download</c> and <c>modelbuild info</c>, codes MB2110–MB2115 (MB2113 is Core's
/// <c>OpenModelZooDiagnostics.PostprocessingFailed</c>).</summary>
public static class DownloadDiagnostics
{
    public static readonly DiagnosticDescriptor NoMatchingModels = new(
        "MB2110", DiagnosticSeverity.Error,
        "No matching models: \"{0}\". Models in {1}: {2}");

    public static readonly DiagnosticDescriptor SelectionRequired = new(
        "MB2111", DiagnosticSeverity.Error,
        "{0}");

    public static readonly DiagnosticDescriptor ListUnreadable = new(
        "MB2112", DiagnosticSeverity.Error,
        "The model list {0} cannot be read: {1}");

    public static readonly DiagnosticDescriptor UnknownPrecision = new(
        "MB2114", DiagnosticSeverity.Error,
        "Unknown precisions: {0}. Known: {1}.");

    public static readonly DiagnosticDescriptor OutputNotWritable = new(
        "MB2115", DiagnosticSeverity.Error,
        "Cannot write {0}: {1}");
}
