using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Passes;

/// <summary>
/// Tidies a main graph after surgery: drops nodes no output needs, initializers nobody reads (and the
/// graph inputs that only listed them, as models before IR version 4 do), <c>value_info</c> of values
/// that are gone, and operator set imports no node uses; shares identical constants; and puts the
/// nodes in topological order, keeping the original order wherever it is already valid. Graph inputs
/// that are not initializers are never removed: the model keeps accepting what it accepted.
/// </summary>
public static class GraphCleanup
{
    /// <summary>The operator domains ONNX itself defines (the empty domain is <c>ai.onnx</c>).</summary>
    public static IReadOnlySet<string> StandardDomains { get; } =
        new HashSet<string>(["", "ai.onnx", "ai.onnx.ml", "ai.onnx.preview.training"], StringComparer.Ordinal);

    /// <summary>Every step, in an order where each one sees the previous one's result.</summary>
    public static void Apply(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph;
        RemoveDeadNodes(graph);
        ShareIdenticalInitializers(graph);
        RemoveUnusedInitializers(graph);
        RemoveStaleValueInfo(graph);
        SortTopologically(graph);
        RemoveUnusedOpsetImports(model);
    }

    /// <summary>Removes nodes whose outputs no graph output needs, directly or through other nodes.</summary>
    public static void RemoveDeadNodes(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var needed = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var keep = new bool[graph.Node.Count];
        for (var i = graph.Node.Count - 1; i >= 0; i--)
        {
            var node = graph.Node[i];
            if (node.Output.Any(needed.Contains))
            {
                keep[i] = true;
                needed.UnionWith(GraphEdits.Reads(node));
            }
        }

        // A second sweep catches readers listed before their producer (a model not yet sorted).
        bool changed;
        do
        {
            changed = false;
            for (var i = 0; i < graph.Node.Count; i++)
            {
                if (!keep[i] && graph.Node[i].Output.Any(needed.Contains))
                {
                    keep[i] = true;
                    needed.UnionWith(GraphEdits.Reads(graph.Node[i]));
                    changed = true;
                }
            }
        }
        while (changed);

        var kept = graph.Node.Where((_, i) => keep[i]).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
    }

    /// <summary>Removes initializers no node or graph output reads, and graph inputs that only named them.</summary>
    public static void RemoveUnusedInitializers(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var read = new HashSet<string>(graph.Node.SelectMany(GraphEdits.Reads), StringComparer.Ordinal);
        read.UnionWith(graph.Output.Select(o => o.Name));
        var removed = graph.Initializer.Where(t => !read.Contains(t.Name)).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        GraphEdits.RemoveAll(graph.Initializer, t => removed.Contains(t.Name));
        GraphEdits.RemoveAll(graph.Input, i => removed.Contains(i.Name));
    }

    /// <summary>
    /// Makes readers of an initializer that repeats an earlier one (same type, dimensions and bytes) read the
    /// earlier one instead; the repeat is then unused. Initializers that are graph inputs or outputs keep their names.
    /// </summary>
    public static void ShareIdenticalInitializers(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var pinned = new HashSet<string>(graph.Input.Select(i => i.Name).Concat(graph.Output.Select(o => o.Name)), StringComparer.Ordinal);
        var first = new Dictionary<ConstantKey, string>();
        foreach (var tensor in graph.Initializer)
        {
            if (pinned.Contains(tensor.Name) || !tensor.HasRawData || OnnxExternalData.IsExternal(tensor))
            {
                continue;
            }

            var key = new ConstantKey(tensor);
            if (!first.TryAdd(key, tensor.Name))
            {
                GraphEdits.RenameReads(graph, tensor.Name, first[key]);
            }
        }
    }

    /// <summary>Removes <c>value_info</c> entries of values nothing produces any more.</summary>
    public static void RemoveStaleValueInfo(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var produced = new HashSet<string>(graph.Node.SelectMany(n => n.Output), StringComparer.Ordinal);
        var inputs = new HashSet<string>(graph.Input.Select(i => i.Name).Concat(graph.Output.Select(o => o.Name)), StringComparer.Ordinal);
        GraphEdits.RemoveAll(graph.ValueInfo, v => !produced.Contains(v.Name) || inputs.Contains(v.Name));
    }

    /// <summary>
    /// Orders nodes so every node comes after the producers of what it reads. Among nodes that are ready
    /// the earliest in the current order goes first, so an already sorted graph is left as it is.
    /// Nodes caught in a cycle keep their relative order at the end (the validator reports them).
    /// </summary>
    public static void SortTopologically(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var nodes = graph.Node.ToList();
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var output in nodes[i].Output.Where(o => o.Length > 0))
            {
                producer.TryAdd(output, i);
            }
        }

        var waitingOn = new int[nodes.Count];
        var readers = new List<int>[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            readers[i] = [];
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var from in GraphEdits.Reads(nodes[i]).Distinct(StringComparer.Ordinal))
            {
                if (producer.TryGetValue(from, out var p) && p != i)
                {
                    waitingOn[i]++;
                    readers[p].Add(i);
                }
            }
        }

        var ready = new PriorityQueue<int, int>();
        for (var i = 0; i < nodes.Count; i++)
        {
            if (waitingOn[i] == 0)
            {
                ready.Enqueue(i, i);
            }
        }

        var order = new List<int>(nodes.Count);
        var placed = new bool[nodes.Count];
        while (ready.TryDequeue(out var next, out _))
        {
            order.Add(next);
            placed[next] = true;
            foreach (var reader in readers[next])
            {
                if (--waitingOn[reader] == 0)
                {
                    ready.Enqueue(reader, reader);
                }
            }
        }

        order.AddRange(Enumerable.Range(0, nodes.Count).Where(i => !placed[i]));
        graph.Node.Clear();
        graph.Node.AddRange(order.Select(i => nodes[i]));
    }

    /// <summary>Removes operator set imports no node (in any graph or function) uses; the default domain always stays.</summary>
    public static void RemoveUnusedOpsetImports(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var used = UsedDomains(model);
        GraphEdits.RemoveAll(model.OpsetImport, o => Canonical(o.Domain) != "" && !used.Contains(Canonical(o.Domain)));
    }

    /// <summary>The domains the nodes of every graph and function of <paramref name="model"/> use ("" for ai.onnx).</summary>
    public static IReadOnlySet<string> UsedDomains(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var used = new HashSet<string>(StringComparer.Ordinal);
        if (model.Graph is { } graph)
        {
            CollectDomains(graph, used);
        }

        foreach (var function in model.Functions)
        {
            foreach (var node in function.Node)
            {
                used.Add(Canonical(node.Domain));
            }
        }

        return used;
    }

    private static string Canonical(string domain) => domain == "ai.onnx" ? "" : domain;

    private static void CollectDomains(GraphProto graph, HashSet<string> used)
    {
        foreach (var node in graph.Node)
        {
            used.Add(Canonical(node.Domain));
            foreach (var subgraph in GraphEdits.Subgraphs(node))
            {
                CollectDomains(subgraph, used);
            }
        }
    }

    /// <summary>Identifies a constant by its type, dimensions and bytes (the bytes compared in full on a hash match).</summary>
    private readonly struct ConstantKey(TensorProto tensor) : IEquatable<ConstantKey>
    {
        private readonly TensorProto _tensor = tensor;
        private readonly int _hash = Hash(tensor);

        public bool Equals(ConstantKey other) =>
            _hash == other._hash
            && _tensor.DataType == other._tensor.DataType
            && _tensor.Dims.SequenceEqual(other._tensor.Dims)
            && _tensor.RawData.Span.SequenceEqual(other._tensor.RawData.Span);

        public override bool Equals(object? obj) => obj is ConstantKey other && Equals(other);

        public override int GetHashCode() => _hash;

        private static int Hash(TensorProto tensor)
        {
            var hash = default(HashCode);
            hash.Add(tensor.DataType);
            foreach (var dim in tensor.Dims)
            {
                hash.Add(dim);
            }

            // The length and both ends tell big tensors apart cheaply; equal hashes still compare every byte.
            var bytes = tensor.RawData.Span;
            hash.Add(bytes.Length);
            hash.AddBytes(bytes[..Math.Min(bytes.Length, 256)]);
            hash.AddBytes(bytes[Math.Max(0, bytes.Length - 256)..]);
            return hash.ToHashCode();
        }
    }
}
