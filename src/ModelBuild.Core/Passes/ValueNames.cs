using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Passes;

/// <summary>
/// Hands out value and node names no part of a model uses yet: the wanted name when it is free,
/// else the first free <c>name_1</c>, <c>name_2</c>... Deterministic, so passes write the same names every time.
/// </summary>
internal sealed class ValueNames
{
    private readonly HashSet<string> _taken;

    private ValueNames(HashSet<string> taken) => _taken = taken;

    /// <summary>Every name in <paramref name="model"/>'s graphs (subgraphs too): values, initializers, nodes.</summary>
    public static ValueNames Of(ModelProto model)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        if (model.Graph is { } graph)
        {
            Collect(graph, taken);
        }

        return new ValueNames(taken);
    }

    public bool IsTaken(string name) => _taken.Contains(name);

    /// <summary>A name based on <paramref name="wanted"/> that is now taken.</summary>
    public string Fresh(string wanted)
    {
        if (_taken.Add(wanted))
        {
            return wanted;
        }

        for (var i = 1; ; i++)
        {
            var candidate = $"{wanted}_{i}";
            if (_taken.Add(candidate))
            {
                return candidate;
            }
        }
    }

    private static void Collect(GraphProto graph, HashSet<string> taken)
    {
        taken.UnionWith(graph.Input.Select(v => v.Name));
        taken.UnionWith(graph.Output.Select(v => v.Name));
        taken.UnionWith(graph.ValueInfo.Select(v => v.Name));
        taken.UnionWith(graph.Initializer.Select(t => t.Name));
        foreach (var node in graph.Node)
        {
            taken.Add(node.Name);
            taken.UnionWith(node.Input);
            taken.UnionWith(node.Output);
            foreach (var attribute in node.Attribute)
            {
                foreach (var subgraph in attribute.G is { } g ? attribute.Graphs.Prepend(g) : attribute.Graphs)
                {
                    Collect(subgraph, taken);
                }
            }
        }
    }
}
