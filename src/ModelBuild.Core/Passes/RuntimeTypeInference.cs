using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Passes;

/// <summary>
/// The element type and shape of every value of a main graph, as ONNX Runtime's own type and shape
/// inference sees them: a copy of the model that lists every node output as a graph output is loaded
/// without optimizations, and the session's outputs are read back. Large weights are replaced by graph
/// inputs of the same type and shape in that copy, so even a model of gigabytes loads in milliseconds.
/// </summary>
internal static class RuntimeTypeInference
{
    // Constants up to this size stay: shape inference reads the values of small ones (Reshape's shape...).
    private const int KeptConstantBytes = 4096;

    /// <summary>Value name → what it is, for the graph's inputs, initializers and node outputs.</summary>
    /// <exception cref="DiagnosticException">MB4070: ONNX Runtime cannot load the model.</exception>
    public static IReadOnlyDictionary<string, OnnxValueInfo> Infer(ModelProto model, string displayName)
    {
        ArgumentNullException.ThrowIfNull(model);
        try
        {
            return Probe(model, stripWeights: true);
        }
        catch (OnnxRuntimeErrorException)
        {
            // Some kernels insist on constant inputs; the full model settles it.
        }

        try
        {
            return Probe(model, stripWeights: false);
        }
        catch (OnnxRuntimeErrorException e)
        {
            throw new DiagnosticException(
                PassDiagnostics.TypeInferenceFailed.Create(null, displayName, OnnxRuntimeLibrary.Version, e.NativeMessage));
        }
    }

    private static Dictionary<string, OnnxValueInfo> Probe(ModelProto model, bool stripWeights)
    {
        var probe = model.Clone();
        var graph = probe.Graph;
        var result = new Dictionary<string, OnnxValueInfo>(StringComparer.Ordinal);
        foreach (var tensor in graph.Initializer)
        {
            result[tensor.Name] = new OnnxValueInfo(
                tensor.Name,
                OnnxValueKind.Tensor,
                OnnxElementType.FromProto(tensor.DataType),
                OnnxShape.Of([.. tensor.Dims.Select(OnnxDimension.Fixed)]));
        }

        if (stripWeights)
        {
            var listed = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
            var large = graph.Initializer
                .Where(t => (OnnxExternalData.DataSize(t) ?? 0) > KeptConstantBytes || OnnxExternalData.IsExternal(t))
                .ToList();
            foreach (var tensor in large)
            {
                graph.Initializer.Remove(tensor);
                if (!listed.Contains(tensor.Name))
                {
                    graph.Input.Add(GraphEdits.TensorValue(
                        tensor.Name,
                        OnnxElementType.FromProto(tensor.DataType),
                        OnnxShape.Of([.. tensor.Dims.Select(OnnxDimension.Fixed)]).ToProto()));
                }
            }
        }

        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in graph.Node.SelectMany(n => n.Output).Where(o => o.Length > 0))
        {
            if (outputs.Add(name))
            {
                graph.Output.Add(new ValueInfoProto { Name = name });
            }
        }

        var options = new ModelSessionOptions
        {
            OptimizationLevel = GraphOptimization.None,
            LogSeverity = RuntimeLogSeverity.Fatal,
            IntraOpThreads = 1,
            InterOpThreads = 1
        };
        using var session = new ModelSession(OnnxModelFile.Write(probe), options);
        foreach (var info in session.Inputs.Concat(session.Outputs))
        {
            result.TryAdd(info.Name, ToValueInfo(info));
        }

        return result;
    }

    private static OnnxValueInfo ToValueInfo(TensorInfo info)
    {
        var kind = info.Kind;
        if (kind != OnnxValueKind.Tensor)
        {
            return new OnnxValueInfo(info.Name, kind, TensorElementType.Undefined, null);
        }

        var shape = info.HasShape
            ? new OnnxShape(info.Shape.Select((d, i) => d >= 0
                ? OnnxDimension.Fixed(d)
                : info.SymbolicShape[i] is { Length: > 0 } name ? OnnxDimension.Symbolic(name) : OnnxDimension.Unknown))
            : null;
        return new OnnxValueInfo(info.Name, kind, info.ElementType, shape);
    }
}
