using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Passes;

/// <summary>
/// Simplifies a model: ONNX Runtime's <em>basic</em> optimization level (constant folding, redundant node
/// removal, Conv+BatchNormalization/Add/Mul fusion), saved as ONNX, then <see cref="GraphCleanup"/>: unused
/// initializers and operator set imports removed (ONNX Runtime lists many domains it does not use),
/// identical constants shared, nodes sorted. The result keeps the original's IR version, operator set
/// versions, producer and metadata. When ONNX Runtime fails, or its result would use an operator domain
/// that is not ONNX's own (and the original did not), the original is kept with warning MB4067,
/// as ModelConverter does when its simplifier fails.
/// </summary>
public sealed class SimplifyPass : IModelPass
{
    private const string OptimizedFile = "optimized.onnx";
    private const string OptimizedDataFile = "optimized.onnx_data";

    public string Name => "simplify";

    public JsonObject DescribeOptions() => new() { ["level"] = "basic" };

    public ModelProto? Apply(ModelProto model, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var displayName = string.IsNullOrEmpty(model.Graph.Name) ? "model" : model.Graph.Name;
        ModelProto optimized;
        try
        {
            optimized = Optimize(model);
        }
        catch (OnnxRuntimeErrorException e)
        {
            return KeepOriginal(model, diagnostics, displayName, $"ONNX Runtime {OnnxRuntimeLibrary.Version}: {e.NativeMessage}");
        }

        Restore(optimized, model);
        GraphCleanup.Apply(optimized);

        var originalDomains = GraphCleanup.UsedDomains(model);
        var foreign = GraphCleanup.UsedDomains(optimized)
            .Where(d => !GraphCleanup.StandardDomains.Contains(d) && !originalDomains.Contains(d))
            .ToList();
        if (foreign.Count > 0)
        {
            return KeepOriginal(
                model,
                diagnostics,
                displayName,
                $"the result would use operator domain(s) {string.Join(", ", foreign.Select(d => $"'{d}'"))}, " +
                "which only ONNX Runtime runs");
        }

        if (!OnnxModelSignature.FromModel(optimized).InputNames.SequenceEqual(OnnxModelSignature.FromModel(model).InputNames)
            || !optimized.Graph.Output.Select(o => o.Name).SequenceEqual(model.Graph.Output.Select(o => o.Name)))
        {
            return KeepOriginal(model, diagnostics, displayName, "ONNX Runtime changed the model's inputs or outputs");
        }

        var problems = OnnxModelValidator.Validate(optimized);
        return problems.Count > 0
            ? KeepOriginal(model, diagnostics, displayName, problems[0].Message)
            : optimized;
    }

    /// <summary>Runs ONNX Runtime's basic level on a copy of the model in a scratch folder and reads the result back.</summary>
    private static ModelProto Optimize(ModelProto model)
    {
        using var scratch = new ScratchDirectory("simplify");
        var input = scratch.Combine("model.onnx");
        var large = OnnxSerializedSizeOf(model) > OnnxModelFile.MaxSerializedSize / 2;
        if (large)
        {
            OnnxExternalData.WriteFiles(model, input);
        }
        else
        {
            using var stream = new FileStream(input, FileMode.Create, FileAccess.Write, FileShare.None);
            OnnxModelFile.Write(model, stream);
        }

        var options = new ModelSessionOptions
        {
            OptimizationLevel = GraphOptimization.Basic,
            OptimizedModelFilePath = scratch.Combine(OptimizedFile),
            LogSeverity = RuntimeLogSeverity.Fatal,

            // One thread: constant folding then computes every folded value in one fixed order.
            IntraOpThreads = 1,
            InterOpThreads = 1,
            ConfigEntries = large
                ? new Dictionary<string, string>
                {
                    ["session.optimized_model_external_initializers_file_name"] = OptimizedDataFile,
                    ["session.optimized_model_external_initializers_min_size_in_bytes"] = "1024",
                }
                : new Dictionary<string, string>(),
        };
        using (new ModelSession(input, options))
        {
        }

        return OnnxModelFile.ReadWithExternalData(scratch.Combine(OptimizedFile));
    }

    /// <summary>Puts back what ONNX Runtime does not carry over: versions, producer, documentation and metadata.</summary>
    private static void Restore(ModelProto optimized, ModelProto original)
    {
        optimized.IrVersion = original.IrVersion;
        optimized.ProducerName = original.ProducerName;
        optimized.ProducerVersion = original.ProducerVersion;
        optimized.Domain = original.Domain;
        optimized.ModelVersion = original.ModelVersion;
        optimized.DocString = original.DocString;
        optimized.MetadataProps.Clear();
        optimized.MetadataProps.AddRange(original.MetadataProps.Select(p => p.Clone()));
        optimized.Graph.Name = original.Graph.Name;
        optimized.Graph.DocString = original.Graph.DocString;
        foreach (var import in optimized.OpsetImport)
        {
            if (original.OpsetImport.FirstOrDefault(o => Canonical(o.Domain) == Canonical(import.Domain)) is { } kept)
            {
                import.Domain = kept.Domain;
                import.Version = kept.Version;
            }
        }

        // An output ORT wrote without a type keeps the original's declaration.
        for (var i = 0; i < optimized.Graph.Output.Count && i < original.Graph.Output.Count; i++)
        {
            if (optimized.Graph.Output[i].Type is null && optimized.Graph.Output[i].Name == original.Graph.Output[i].Name)
            {
                optimized.Graph.Output[i] = original.Graph.Output[i].Clone();
            }
        }
    }

    private static string Canonical(string domain) => domain == "ai.onnx" ? "" : domain;

    private static long OnnxSerializedSizeOf(ModelProto model) => OnnxSerializedSize.Of(model);

    private static ModelProto KeepOriginal(ModelProto model, DiagnosticBag diagnostics, string displayName, string reason)
    {
        diagnostics.Add(PassDiagnostics.SimplificationKeptOriginal, null, displayName, reason);
        return model.Clone();
    }
}
