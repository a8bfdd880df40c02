using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Passes;

/// <summary>Diagnostics of the graph passes: the second half of the ONNX range in docs/diagnostics.md.</summary>
public static class PassDiagnostics
{
    public static readonly DiagnosticDescriptor UnknownInput = new(
        "MB4050", DiagnosticSeverity.Error, "The model has no input named '{0}'.{1} Its inputs: {2}.");

    public static readonly DiagnosticDescriptor ShapeRankMismatch = new(
        "MB4051", DiagnosticSeverity.Error,
        "Input '{0}' has shape {1} in the model (rank {2}), but the requested shape {3} has rank {4}.");

    public static readonly DiagnosticDescriptor FixedDimensionConflict = new(
        "MB4052", DiagnosticSeverity.Error,
        "Input '{0}' has shape {1} in the model; axis {2} is fixed at {3}, but the requested shape {4} asks for {5}.");

    public static readonly DiagnosticDescriptor InputIsNotATensor = new(
        "MB4053", DiagnosticSeverity.Error, "Input '{0}' is a {1}, not a tensor; only tensor inputs can be given a shape.");

    public static readonly DiagnosticDescriptor NonPositiveDimension = new(
        "MB4054", DiagnosticSeverity.Error,
        "The requested shape {1} for input '{0}' has {2} at axis {3}; every dimension must be a positive number.");

    public static readonly DiagnosticDescriptor InputShapeGivenTwice = new(
        "MB4055", DiagnosticSeverity.Error, "Input '{0}' is given a shape more than once.");
}
