using System.Globalization;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// Copies of a model that expose what calibration reads: the minimum, maximum and size of tensors (computed
/// inside the model, so only three scalars per tensor leave it), or the tensors themselves.
/// </summary>
internal static class StatisticsGraph
{
    /// <summary>The names under which <see cref="WithMinMax"/> exposes a tensor's statistics; <see cref="Size"/> is null when the size is known beforehand.</summary>
    public sealed record MinMaxOutputs(string Tensor, string Min, string Max, string? Size);

    /// <summary>
    /// A copy of <paramref name="model"/> with <c>ReduceMin</c> and <c>ReduceMax</c> of every tensor as extra graph
    /// outputs, and <c>Size</c> of those whose element count <paramref name="knownSizes"/> does not give.
    /// </summary>
    /// <remarks>
    /// ONNX Runtime's default execution order is a depth-first walk from the graph's leaves, last leaf first.
    /// The statistics nodes are appended in reverse topological order of the tensors they read, so each runs
    /// right after its tensor is made and no activation outlives its real consumers: resident memory stays
    /// that of a plain inference.
    /// </remarks>
    public static (ModelProto Model, IReadOnlyList<MinMaxOutputs> Outputs) WithMinMax(ModelProto model, IReadOnlyList<string> tensors, IReadOnlyDictionary<string, long> knownSizes)
    {
        var copy = model.Clone();
        var graph = copy.Graph;
        var taken = AllNames(graph);
        var outputs = new List<MinMaxOutputs>(tensors.Count);
        for (var i = 0; i < tensors.Count; i++)
        {
            var id = i.ToString(CultureInfo.InvariantCulture);
            var size = knownSizes.ContainsKey(tensors[i]) ? null : Unique($"calibration.size.{id}", taken);
            outputs.Add(new MinMaxOutputs(tensors[i], Unique($"calibration.min.{id}", taken), Unique($"calibration.max.{id}", taken), size));
        }

        var order = ProducerOrder(graph);
        foreach (var output in outputs.OrderByDescending(o => order.GetValueOrDefault(o.Tensor, -1)).ThenByDescending(o => o.Tensor, StringComparer.Ordinal))
        {
            graph.Node.Add(Reduce("ReduceMin", output.Tensor, output.Min));
            graph.Node.Add(Reduce("ReduceMax", output.Tensor, output.Max));
            if (output.Size is { } size)
            {
                graph.Node.Add(new NodeProto { OpType = "Size", Name = size, Input = { output.Tensor }, Output = { size } });
            }
        }

        foreach (var output in outputs)
        {
            graph.Output.Add(new ValueInfoProto { Name = output.Min });
            graph.Output.Add(new ValueInfoProto { Name = output.Max });
            if (output.Size is { } size)
            {
                graph.Output.Add(new ValueInfoProto { Name = size });
            }
        }

        return (copy, outputs);
    }

    /// <summary>A copy of <paramref name="model"/> in which every tensor of <paramref name="tensors"/> is also a graph output.</summary>
    public static ModelProto Exposing(ModelProto model, IEnumerable<string> tensors)
    {
        var copy = model.Clone();
        var graph = copy.Graph;
        var declared = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            if (declared.Add(tensor))
            {
                graph.Output.Add(new ValueInfoProto { Name = tensor });
            }
        }

        return copy;
    }

    /// <summary>The position of each node output's producer in the node list.</summary>
    public static Dictionary<string, int> ProducerOrder(GraphProto graph)
    {
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            foreach (var output in graph.Node[i].Output)
            {
                order[output] = i;
            }
        }

        return order;
    }

    private static NodeProto Reduce(string opType, string input, string output) => new()
    {
        OpType = opType,
        Name = output,
        Input = { input },
        Output = { output },
        Attribute = { OnnxAttributes.Int("keepdims", 0) },
    };

    private static HashSet<string> AllNames(GraphProto graph)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        names.UnionWith(graph.Input.Select(i => i.Name));
        names.UnionWith(graph.Initializer.Select(i => i.Name));
        names.UnionWith(graph.Node.SelectMany(n => n.Output));
        names.UnionWith(graph.Node.Select(n => n.Name));
        return names;
    }

    private static string Unique(string name, HashSet<string> taken)
    {
        var candidate = name;
        for (var n = 1; !taken.Add(candidate); n++)
        {
            candidate = name + "." + n.ToString(CultureInfo.InvariantCulture);
        }

        return candidate;
    }
}
