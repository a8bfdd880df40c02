using System.Globalization;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Quantization;

/// <summary>
/// Brings a float model into the form the quantizer works on, as ONNX Runtime's <c>quant_pre_process</c> does:
/// the default opset raised to what QDQ needs (13 for per-channel scales, 10 at least), ONNX Runtime's
/// <em>basic</em> graph optimizations (constant folding — Constant nodes become initializers —, redundant node
/// removal, Conv+BatchNormalization/Add/Mul fusion; the result is still portable ONNX), and a name for every node.
/// </summary>
internal static class QuantizationPreprocessor
{
    /// <summary>The prepared copy of <paramref name="model"/>; <paramref name="notes"/> receives what was changed.</summary>
    /// <exception cref="DiagnosticException">The opset cannot be raised (MB8150) or ONNX Runtime cannot optimize the model
    /// (MB8151).</exception>
    public static ModelProto Prepare(ModelProto model, QuantizationOptions options, List<string> notes)
    {
        var prepared = model.Clone();
        if (options.Optimize)
        {
            // First, so that the upgrade sees folded constants and the ranks they fix.
            prepared = Optimize(prepared);
            notes.Add("ONNX Runtime's basic graph optimizations were applied (constant folding, Conv+BatchNormalization fusion, " +
                "redundant node removal).");
        }

        var opset = DefaultOpset(prepared);
        var needed = options.PerChannel ? 13 : 10;
        if (opset < needed)
        {
            // Below 10 there is no QuantizeLinear at all; raise straight to 13, whose operator set is the best known.
            prepared = OpsetUpgrade.Apply(prepared, 13);
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"The model's opset was raised from {opset} to 13 for QDQ."));
        }

        if (options.Optimize && AffineFolding.Apply(prepared) is var folded and > 0)
        {
            notes.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{folded} multiplication(s) and addition(s) by constants were folded into neighbouring Conv weights and biases."));
        }

        NameNodes(prepared);
        return prepared;
    }

    /// <summary>The version of the default (<c>ai.onnx</c>) operator set the model imports.</summary>
    public static long DefaultOpset(ModelProto model) =>
        model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0;

    private static ModelProto Optimize(ModelProto model)
    {
        var path = Passes.ScratchDirectory.NewPath(".quantize.onnx");
        try
        {
            var options = new ModelSessionOptions
            {
                OptimizationLevel = GraphOptimization.Basic,
                OptimizedModelFilePath = path,
                LogSeverity = RuntimeLogSeverity.Error,
            };
            using (new ModelSession(OnnxModelFile.Write(model), options))
            {
                // Creating the session writes the optimized model.
            }

            var optimized = OnnxModelFile.Read(path);
            RemoveUnusedDomains(optimized);
            optimized.ProducerName = model.ProducerName;
            optimized.ProducerVersion = model.ProducerVersion;
            return optimized;
        }
        catch (OnnxRuntimeErrorException e)
        {
            throw new DiagnosticException(
                QuantizationDiagnostics.RuntimeFailed.Create(null, "optimize the model before quantization", e.Message),
                e);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>ONNX Runtime writes an import for every domain it knows; keep those the nodes use.</summary>
    private static void RemoveUnusedDomains(ModelProto model)
    {
        var used = model.Graph.Node.Select(n => n.Domain is "ai.onnx" ? string.Empty : n.Domain).ToHashSet(StringComparer.Ordinal);
        used.Add(string.Empty);
        foreach (var unused in model.OpsetImport.Where(o => !used.Contains(o.Domain)).ToList())
        {
            model.OpsetImport.Remove(unused);
        }
    }

    /// <summary>Gives every unnamed node a unique name (<c>Conv_12</c>), so reports and exclusions can point at it.</summary>
    private static void NameNodes(ModelProto model)
    {
        var taken = model.Graph.Node.Select(n => n.Name).Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < model.Graph.Node.Count; i++)
        {
            var node = model.Graph.Node[i];
            if (node.Name.Length > 0 && seen.Add(node.Name))
            {
                continue;
            }

            var name = node.OpType + "_" + i.ToString(CultureInfo.InvariantCulture);
            for (var n = 1; taken.Contains(name); n++)
            {
                name = node.OpType + "_" + i.ToString(CultureInfo.InvariantCulture) + "_" + n.ToString(CultureInfo.InvariantCulture);
            }

            node.Name = name;
            taken.Add(name);
            seen.Add(name);
        }
    }
}
