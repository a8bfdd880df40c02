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
    private const int Int64 = (int)TensorProto.Types.DataType.Int64;

    /// <summary>
    /// Where <see cref="WithMinMax"/> puts a tensor's statistics: its minimum at <see cref="Index"/> and its maximum
    /// at <see cref="Index"/> + 1 of the one <see cref="MinMaxStatistics.Output"/>, its size in output
    /// <see cref="Size"/> (null when the size is known beforehand).
    /// </summary>
    public sealed record MinMaxOutputs(string Tensor, int Index, string? Size);

    /// <summary>The statistics output (float, 2 × tensors: minimum and maximum of each) and where each tensor's are.</summary>
    public sealed record MinMaxStatistics(string Output, IReadOnlyList<MinMaxOutputs> Tensors);

    /// <summary>
    /// A copy of <paramref name="model"/> that also computes the <c>ReduceMin</c> and <c>ReduceMax</c> of every
    /// tensor, all concatenated into a single graph output (one output instead of two per tensor: each graph output
    /// costs ONNX Runtime and the binding microseconds per run, which on a small model is more than the reductions),
    /// plus <c>Size</c> of the tensors whose element count <paramref name="knownSizes"/> does not give.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Every node is a kernel launch per run, about a microsecond each whatever the tensor's size, so the statistics use
    /// as few as they can: a tensor whose rank <paramref name="ranks"/> gives (1 or more) is reduced with
    /// <c>keepdims=1</c>, which gives one element of that rank, and consecutive tensors of one rank are concatenated
    /// together and flattened once (two kernels per run of same-rank tensors instead of two <c>Reshape</c>s per
    /// tensor); the others are reduced to a scalar and reshaped to one element.
    /// </para>
    /// <para>
    /// ONNX Runtime's default execution order is a depth-first walk from the graph's leaves, last input first. The
    /// concatenation is the leaf the walk starts from, and its inputs are the statistics in reverse topological
    /// order of the tensors they read, so each reduction runs right after its tensor is made and no activation
    /// outlives its real consumers: resident memory stays that of a plain inference (a test holds it to that).
    /// </para>
    /// </remarks>
    public static (ModelProto Model, MinMaxStatistics Statistics) WithMinMax(
        ModelProto model,
        IReadOnlyList<string> tensors,
        IReadOnlyDictionary<string, long> knownSizes,
        IReadOnlyDictionary<string, int> ranks)
    {
        var copy = model.Clone();
        var graph = copy.Graph;
        var taken = AllNames(graph);
        var order = ProducerOrder(graph);
        var oneElement = Unique("calibration.one_element", taken);
        var flatShape = Unique("calibration.flat", taken);
        graph.Initializer.Add(new TensorProto { Name = oneElement, DataType = Int64, Dims = { 1 }, Int64Data = { 1 } });
        graph.Initializer.Add(new TensorProto { Name = flatShape, DataType = Int64, Dims = { 1 }, Int64Data = { -1 } });
        var concat = new NodeProto
        {
            OpType = "Concat",
            Name = Unique("calibration.minmax", taken),
            Attribute = { OnnxAttributes.Int("axis", 0) }
        };
        concat.Output.Add(concat.Name);

        var placed = new List<MinMaxOutputs>(tensors.Count);
        var inOrder = tensors.Select((t, i) => (Tensor: t, Position: i))
            .OrderByDescending(t => order.GetValueOrDefault(t.Tensor, -1))
            .ThenByDescending(t => t.Tensor, StringComparer.Ordinal)
            .ToList();
        var elements = 0;
        var run = new List<string>();
        var runRank = 1;
        foreach (var (tensor, position) in inOrder)
        {
            var id = position.ToString(CultureInfo.InvariantCulture);
            var rank = ranks.TryGetValue(tensor, out var known) && known > 0 ? known : 0;
            if (rank != runRank)
            {
                EndRun(graph, concat, run, runRank, flatShape, taken);
                runRank = Math.Max(rank, 1);
            }

            foreach (var opType in (string[])["ReduceMin", "ReduceMax"])
            {
                var reduced = Unique($"calibration.{opType}.{id}", taken);
                graph.Node.Add(new NodeProto
                {
                    OpType = opType,
                    Name = reduced,
                    Input = { tensor },
                    Output = { reduced },
                    Attribute = { OnnxAttributes.Int("keepdims", rank > 0 ? 1 : 0) }
                });
                if (rank == 0)
                {
                    var flat = Unique($"calibration.{opType}.{id}.flat", taken);
                    graph.Node.Add(new NodeProto { OpType = "Reshape", Name = flat, Input = { reduced, oneElement }, Output = { flat } });
                    reduced = flat;
                }

                run.Add(reduced);
            }

            var size = knownSizes.ContainsKey(tensor) ? null : Unique($"calibration.size.{id}", taken);
            if (size is not null)
            {
                graph.Node.Add(new NodeProto { OpType = "Size", Name = size, Input = { tensor }, Output = { size } });
                graph.Output.Add(new ValueInfoProto { Name = size });
            }

            placed.Add(new MinMaxOutputs(tensor, elements, size));
            elements += 2;
        }

        EndRun(graph, concat, run, runRank, flatShape, taken);
        graph.Node.Add(concat);
        graph.Output.Add(new ValueInfoProto { Name = concat.Name });
        return (copy, new MinMaxStatistics(concat.Name, placed));
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

    /// <summary>
    /// Adds one run of one-element statistics of rank <paramref name="rank"/> to <paramref name="concat"/>: as they are
    /// when of rank 1, else concatenated along their first axis and flattened (two kernels for the whole run).
    /// </summary>
    private static void EndRun(GraphProto graph, NodeProto concat, List<string> run, int rank, string flatShape, HashSet<string> taken)
    {
        if (run.Count == 0)
        {
            return;
        }

        if (rank == 1)
        {
            concat.Input.AddRange(run);
        }
        else
        {
            var joined = Unique($"calibration.rank{rank}.{concat.Input.Count}", taken);
            var flat = Unique(joined + ".flat", taken);
            var node = new NodeProto
            {
                OpType = "Concat",
                Name = joined,
                Output = { joined },
                Attribute = { OnnxAttributes.Int("axis", 0) }
            };
            node.Input.AddRange(run);
            graph.Node.Add(node);
            graph.Node.Add(new NodeProto { OpType = "Reshape", Name = flat, Input = { joined, flatShape }, Output = { flat } });
            concat.Input.Add(flat);
        }

        run.Clear();
    }

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
