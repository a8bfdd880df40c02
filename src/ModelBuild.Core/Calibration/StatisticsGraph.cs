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
    /// <summary>The names under which <see cref="WithMinMax"/> exposes a tensor's statistics.</summary>
    public sealed record MinMaxOutputs(string Tensor, string Min, string Max, string Size);

    /// <summary>
    /// A copy of <paramref name="model"/> with <c>ReduceMin</c>, <c>ReduceMax</c> and <c>Size</c> of every tensor
    /// as extra graph outputs.
    /// </summary>
    /// <remarks>
    /// ONNX Runtime's default execution order is a depth-first walk from the graph's leaves, last leaf first.
    /// The statistics nodes are appended in reverse topological order of the tensors they read, so each runs
    /// right after its tensor is made and no activation outlives its real consumers: resident memory stays
    /// that of a plain inference.
    /// </remarks>
    public static (ModelProto Model, IReadOnlyList<MinMaxOutputs> Outputs) WithMinMax(ModelProto model, IReadOnlyList<string> tensors)
    {
        var copy = model.Clone();
        var graph = copy.Graph;
        var taken = AllNames(graph);
        var outputs = new List<MinMaxOutputs>(tensors.Count);
        for (var i = 0; i < tensors.Count; i++)
        {
            var id = i.ToString(CultureInfo.InvariantCulture);
            outputs.Add(new MinMaxOutputs(tensors[i], Unique($"calibration.min.{id}", taken), Unique($"calibration.max.{id}", taken), Unique($"calibration.size.{id}", taken)));
        }

        var order = ProducerOrder(graph);
        foreach (var output in outputs.OrderByDescending(o => order.GetValueOrDefault(o.Tensor, -1)).ThenByDescending(o => o.Tensor, StringComparer.Ordinal))
        {
            graph.Node.Add(Reduce("ReduceMin", output.Tensor, output.Min));
            graph.Node.Add(Reduce("ReduceMax", output.Tensor, output.Max));
            graph.Node.Add(new NodeProto { OpType = "Size", Name = output.Size, Input = { output.Tensor }, Output = { output.Size } });
        }

        foreach (var output in outputs)
        {
            graph.Output.Add(new ValueInfoProto { Name = output.Min });
            graph.Output.Add(new ValueInfoProto { Name = output.Max });
            graph.Output.Add(new ValueInfoProto { Name = output.Size });
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
