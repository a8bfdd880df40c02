using Google.Protobuf.Collections;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Passes;

/// <summary>The graph surgery passes share: who reads a value, renaming its readers, building nodes.</summary>
internal static class GraphEdits
{
    /// <summary>Subgraphs of a node (If branches, Loop and Scan bodies).</summary>
    public static IEnumerable<GraphProto> Subgraphs(NodeProto node) =>
        node.Attribute.SelectMany(a => a.G is { } g ? a.Graphs.Prepend(g) : a.Graphs);

    /// <summary>
    /// Every value <paramref name="node"/> reads: its inputs, and the names its subgraphs read from
    /// enclosing graphs (over-approximated as every name read inside them that they do not define).
    /// </summary>
    public static IEnumerable<string> Reads(NodeProto node)
    {
        foreach (var input in node.Input)
        {
            if (input.Length > 0)
            {
                yield return input;
            }
        }

        foreach (var subgraph in Subgraphs(node))
        {
            foreach (var name in OuterReads(subgraph))
            {
                yield return name;
            }
        }
    }

    /// <summary>The names a graph reads that it does not define itself.</summary>
    public static IEnumerable<string> OuterReads(GraphProto graph)
    {
        var defined = new HashSet<string>(graph.Input.Select(i => i.Name), StringComparer.Ordinal);
        defined.UnionWith(graph.Initializer.Select(t => t.Name));
        defined.UnionWith(graph.Node.SelectMany(n => n.Output));
        var read = graph.Node.SelectMany(Reads).Concat(graph.Output.Select(o => o.Name));
        return read.Where(n => !defined.Contains(n)).Distinct(StringComparer.Ordinal);
    }

    /// <summary>
    /// Makes every reader of <paramref name="from"/> in <paramref name="graph"/> (except <paramref name="keep"/>)
    /// read <paramref name="to"/>, inside subgraphs too where they do not define a value of that name themselves.
    /// Graph outputs are not renamed.
    /// </summary>
    public static void RenameReads(GraphProto graph, string from, string to, IReadOnlySet<NodeProto>? keep = null)
    {
        foreach (var node in graph.Node)
        {
            if (keep?.Contains(node) == true)
            {
                continue;
            }

            RenameInputs(node, from, to);
        }
    }

    /// <summary>Renames <paramref name="from"/> among one node's inputs and in its subgraphs' outer reads.</summary>
    public static void RenameInputs(NodeProto node, string from, string to)
    {
        for (var i = 0; i < node.Input.Count; i++)
        {
            if (node.Input[i] == from)
            {
                node.Input[i] = to;
            }
        }

        foreach (var subgraph in Subgraphs(node))
        {
            RenameInSubgraph(subgraph, from, to);
        }
    }

    /// <summary>A node of the default domain.</summary>
    public static NodeProto Node(
        string opType,
        string name,
        IEnumerable<string> inputs,
        IEnumerable<string> outputs,
        params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    /// <summary>The attribute named <paramref name="name"/>, or null.</summary>
    public static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    /// <summary>Removes every item that matches, keeping the others in order.</summary>
    public static void RemoveAll<T>(RepeatedField<T> items, Func<T, bool> match)
    {
        for (var i = items.Count - 1; i >= 0; i--)
        {
            if (match(items[i]))
            {
                items.RemoveAt(i);
            }
        }
    }

    /// <summary>A tensor value description: element type and, when known, the dimensions.</summary>
    public static ValueInfoProto TensorValue(string name, TensorElementType elementType, TensorShapeProto? shape)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = OnnxElementType.ToProto(elementType) };
        if (shape is not null)
        {
            tensor.Shape = shape.Clone();
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }

    private static void RenameInSubgraph(GraphProto graph, string from, string to)
    {
        var definesIt = graph.Input.Any(i => i.Name == from) || graph.Initializer.Any(t => t.Name == from)
            || graph.Node.Any(n => n.Output.Contains(from));
        if (definesIt)
        {
            return;
        }

        foreach (var node in graph.Node)
        {
            RenameInputs(node, from, to);
        }

        foreach (var output in graph.Output.Where(o => o.Name == from))
        {
            // A subgraph output that passes an outer value through must follow the rename too.
            output.Name = to;
        }
    }
}
