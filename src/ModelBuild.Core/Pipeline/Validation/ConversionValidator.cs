using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Pipeline.Validation;

/// <summary>
/// Checks one conversion against the original model: decides what the converted model's inputs take and
/// which outputs are classifier-shaped, then runs both (<see cref="ModelComparison"/>). What cannot be
/// compared (an input type validation cannot generate, a run ONNX Runtime refuses) is a result that says why.
/// </summary>
internal static class ConversionValidator
{
    /// <summary>Runs the original and the converted model side by side, unless the manifest turned validation off.</summary>
    /// <param name="original">The source model.</param>
    /// <param name="converted">The converted model as ONNX Runtime opens it.</param>
    /// <param name="plan">The validation settings and input feeds.</param>
    /// <param name="convertedProto">The converted model (its inputs' types and classifier-shaped outputs).</param>
    /// <param name="references">The original's outputs, shared by the steps of one compile; null to run the original here.</param>
    public static ValidationResult Validate(
        ModelProto original,
        RuntimeModel converted,
        ConversionPlan plan,
        ModelProto convertedProto,
        ReferenceOutputs? references = null)
    {
        if (!plan.Validation.Enabled)
        {
            return ValidationResult.NotRun("validation: false in the manifest");
        }

        var inputTypes = OnnxModelSignature.FromModel(convertedProto).Inputs
            .ToDictionary(i => i.Name, i => i.ElementType, StringComparer.Ordinal);
        var feeds = plan.Feeds.Select(f => f with { ConvertedType = inputTypes.TryGetValue(f.Name, out var type) ? type : null }).ToList();
        if (feeds.FirstOrDefault(f => !Feedable(f.OriginalType) || (f.ConvertedType is { } t && !Feedable(t))) is { } unfeedable)
        {
            return ValidationResult.NotRun(
                $"input '{unfeedable.Name}' is {OnnxElementType.Name(unfeedable.OriginalType)}, which validation cannot generate");
        }

        try
        {
            return ModelComparison.Run(
                original,
                converted,
                feeds,
                plan.Validation.Samples,
                plan.Validation.Seed,
                ClassifierOutputs(convertedProto),
                references);
        }
        catch (OnnxRuntimeErrorException e)
        {
            return ValidationResult.NotRun($"ONNX Runtime {OnnxRuntimeLibrary.Version} could not run both models: {e.NativeMessage}");
        }
    }

    private static bool Feedable(TensorElementType elementType) =>
        elementType is not (TensorElementType.Undefined or TensorElementType.String) && Enum.IsDefined(elementType);

    /// <summary>Outputs that hold class scores on their last axis: two-dimensional ones, or those a Softmax produces.</summary>
    private static HashSet<string> ClassifierOutputs(ModelProto model)
    {
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in model.Graph.Node)
        {
            foreach (var output in node.Output)
            {
                producers[output] = node;
            }
        }

        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var output in OnnxModelSignature.FromModel(model).Outputs
            .Where(o => o.Shape is { Rank: >= 2 } shape && shape[shape.Rank - 1].Value is not < 2))
        {
            var name = output.Name;

            // Looks through the boundary Casts FP16 adds.
            while (producers.TryGetValue(name, out var producer) && producer.OpType is "Cast" or "Identity")
            {
                name = producer.Input[0];
            }

            if (output.Shape!.Rank == 2 || (producers.TryGetValue(name, out var source) && source.OpType is "Softmax" or "LogSoftmax"))
            {
                result.Add(output.Name);
            }
        }

        return result;
    }
}
