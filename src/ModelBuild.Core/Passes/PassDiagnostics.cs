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

    public static readonly DiagnosticDescriptor InputTypeNotConvertible = new(
        "MB4056", DiagnosticSeverity.Error, "Input '{0}' cannot be given data_type {1}: {2}.");

    public static readonly DiagnosticDescriptor UnknownOutput = new(
        "MB4057", DiagnosticSeverity.Error, "The model has no output or tensor named '{0}'.{1} Its outputs: {2}.");

    public static readonly DiagnosticDescriptor FrozenValueNotNumbers = new(
        "MB4059", DiagnosticSeverity.Error, "frozen_value of input '{0}' must be a number or a flat list of numbers; found {1}.");

    public static readonly DiagnosticDescriptor FrozenValueWrongType = new(
        "MB4060", DiagnosticSeverity.Error, "frozen_value of input '{0}' holds {1}, which the input's element type {2} cannot hold.");

    public static readonly DiagnosticDescriptor FrozenValueCountMismatch = new(
        "MB4061", DiagnosticSeverity.Error, "frozen_value of input '{0}' has {1} values, but its shape {2} holds {3}; give that many " +
            "values or a single one for all.");

    public static readonly DiagnosticDescriptor FrozenInputShapeNotFixed = new(
        "MB4062", DiagnosticSeverity.Error, "Input '{0}' has shape {1}; a frozen input needs a fixed shape. Give its 'shape' in the " +
            "manifest.");

    public static readonly DiagnosticDescriptor PreprocessingNeedsFloatInput = new(
        "MB4063", DiagnosticSeverity.Error, "Input '{0}' is {1}; mean_values, scale_values and a channel flip can only be baked in front " +
            "of a float input.");

    public static readonly DiagnosticDescriptor ChannelFlipNeedsThreeChannels = new(
        "MB4064", DiagnosticSeverity.Error, "Input '{0}' has {1} channels (axis {2} of shape {3}, layout {4}); flipping the channel " +
            "order from {5} to {6} needs 3.");

    public static readonly DiagnosticDescriptor NoChannelAxis = new(
        "MB4065", DiagnosticSeverity.Error, "Input '{0}' has layout {1} for shape {2}; baking per-channel preprocessing needs a 'C' axis " +
            "of known size.");

    public static readonly DiagnosticDescriptor ZeroScale = new(
        "MB4066", DiagnosticSeverity.Error, "scale_values of input '{0}' is 0 for channel {1}; scale values must not be zero.");

    public static readonly DiagnosticDescriptor SimplificationKeptOriginal = new(
        "MB4067", DiagnosticSeverity.Warning, "Simplifying '{0}' failed, so it is converted as it was: {1}");

    public static readonly DiagnosticDescriptor TypeInferenceFailed = new(
        "MB4070", DiagnosticSeverity.Error, "ONNX Runtime {1} cannot load '{0}' to work out its value types: {2}");

    public static readonly DiagnosticDescriptor UnknownBlockedNode = new(
        "MB4071", DiagnosticSeverity.Warning, "fp16.node_block_list names '{0}', which is not a node of the model; it has no effect.");
}
