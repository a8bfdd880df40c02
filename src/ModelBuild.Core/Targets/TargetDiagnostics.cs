using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Targets;

/// <summary>Diagnostics about the requested target and precision.</summary>
public static class TargetDiagnostics
{
    public static readonly DiagnosticDescriptor UnknownTarget = new(
        "MB6001", DiagnosticSeverity.Error, "Unknown target '{0}'.{1} Known targets: {2}.");

    public static readonly DiagnosticDescriptor UnknownPrecision = new(
        "MB6002", DiagnosticSeverity.Error, "Unknown Precision '{0}'.{1} Known precisions: {2}.");

    public static readonly DiagnosticDescriptor UnsupportedPrecision = new(
        "MB6003", DiagnosticSeverity.Error, "Target '{0}' does not support Precision {1}; it supports {3} ({2}). For {1} use {4}.");

    public static readonly DiagnosticDescriptor NotImplemented = new(
        "MB6004", DiagnosticSeverity.Error, "Target '{0}' with Precision {1} is not implemented in ModelBuild {2} yet. Implemented: {3}.");
}
