using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Onnx;

/// <summary>
/// A light structural check of a model, far cheaper than ONNX Runtime loading it: every value a
/// node reads exists before it (graph input, initializer, earlier node or an enclosing graph),
/// every value is produced once, graph outputs are produced, every node's operator domain is
/// imported, and the main graph's inputs and outputs have types. Subgraphs (If, Loop, Scan
/// bodies) are checked too. Operators and types are not; ONNX Runtime does that.
/// </summary>
public static class OnnxModelValidator
{
    /// <summary>The problems found in <paramref name="model"/>; <paramref name="location"/> is where each diagnostic points.</summary>
    public static IReadOnlyList<Diagnostic> Validate(ModelProto model, SourceLocation? location = null)
    {
        var diagnostics = new DiagnosticBag();
        Validate(model, diagnostics, location);
        return diagnostics.Items;
    }

    /// <summary>Adds the problems found in <paramref name="model"/> to <paramref name="diagnostics"/>.</summary>
    public static void Validate(ModelProto model, DiagnosticBag diagnostics, SourceLocation? location = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(diagnostics);
        if (OnnxModelFile.MissingEssentials(model) is { } reason)
        {
            diagnostics.Add(OnnxDiagnostics.NotAnOnnxModel, location, location?.FilePath ?? "model", reason);
            return;
        }

        var importedDomains = model.OpsetImport.Select(o => CanonicalDomain(o.Domain)).ToHashSet(StringComparer.Ordinal);
        new GraphCheck(importedDomains, diagnostics, location).Run(model.Graph, outer: null, where: "", isMain: true);
    }

    /// <summary>The empty domain and <c>ai.onnx</c> both name the default operator set.</summary>
    private static string CanonicalDomain(string domain) => domain == "ai.onnx" ? "" : domain;

    private static string Describe(NodeProto node, int index) =>
        node.Name.Length > 0 ? $"'{node.Name}' ({node.OpType})" : $"#{index} ({node.OpType})";

    /// <summary>The values visible in one graph, chained to those of the graphs around it.</summary>
    private sealed class Scope(Dictionary<string, string> producers, Scope? outer)
    {
        public Dictionary<string, string> Producers { get; } = producers;

        public bool Sees(string name) => Producers.ContainsKey(name) || (outer?.Sees(name) ?? false);
    }

    private sealed class GraphCheck(HashSet<string> importedDomains, DiagnosticBag diagnostics, SourceLocation? location)
    {
        public void Run(GraphProto graph, Scope? outer, string where, bool isMain)
        {
            // Value name → what produces it, for messages about duplicates.
            var scope = new Scope(new Dictionary<string, string>(StringComparer.Ordinal), outer);
            var producers = scope.Producers;
            foreach (var input in graph.Input)
            {
                if (!producers.TryAdd(input.Name, "a graph input"))
                {
                    diagnostics.Add(
                        OnnxDiagnostics.DuplicateValueName,
                        location,
                        input.Name,
                        where,
                        producers[input.Name],
                        "a graph input");
                }

                if (isMain && input.Type is null)
                {
                    diagnostics.Add(OnnxDiagnostics.MainGraphValueWithoutType, location, "input", input.Name);
                }
            }

            var initializerNames = graph.Initializer.Select(t => t.Name).Concat(graph.SparseInitializer.Select(s => s.Values?.Name ?? ""));
            foreach (var name in initializerNames)
            {
                // Before IR version 4 every initializer was also listed as a graph input.
                if (producers.TryGetValue(name, out var producer) && producer != "a graph input")
                {
                    diagnostics.Add(OnnxDiagnostics.DuplicateValueName, location, name, where, producer, "an initializer");
                }

                producers[name] = "an initializer";
            }

            var firstProducer = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < graph.Node.Count; i++)
            {
                foreach (var output in graph.Node[i].Output.Where(o => o.Length > 0))
                {
                    firstProducer.TryAdd(output, i);
                }
            }

            for (var i = 0; i < graph.Node.Count; i++)
            {
                var node = graph.Node[i];
                var description = "node " + Describe(node, i);
                if (!importedDomains.Contains(CanonicalDomain(node.Domain)))
                {
                    diagnostics.Add(OnnxDiagnostics.DomainNotImported, location, Describe(node, i), where, node.Domain);
                }

                // An empty name stands for an optional input left out.
                foreach (var input in node.Input.Where(n => n.Length > 0 && !scope.Sees(n)))
                {
                    if (firstProducer.TryGetValue(input, out var producer) && producer >= i)
                    {
                        diagnostics.Add(
                            OnnxDiagnostics.NodeInputNotYetProduced,
                            location,
                            Describe(node, i),
                            where,
                            input,
                            Describe(graph.Node[producer], producer));
                    }
                    else
                    {
                        diagnostics.Add(OnnxDiagnostics.UnknownNodeInput, location, Describe(node, i), where, input);
                    }
                }

                foreach (var attribute in node.Attribute)
                {
                    var subgraphs = attribute.G is { } g ? attribute.Graphs.Prepend(g) : attribute.Graphs;
                    foreach (var subgraph in subgraphs)
                    {
                        Run(subgraph, scope, $" (in the '{attribute.Name}' graph of node {Describe(node, i)})", isMain: false);
                    }
                }

                foreach (var output in node.Output.Where(o => o.Length > 0))
                {
                    if (!producers.TryAdd(output, description))
                    {
                        diagnostics.Add(OnnxDiagnostics.DuplicateValueName, location, output, where, producers[output], description);
                    }
                }
            }

            foreach (var output in graph.Output)
            {
                if (!scope.Sees(output.Name))
                {
                    diagnostics.Add(OnnxDiagnostics.GraphOutputNotProduced, location, output.Name, where);
                }

                if (isMain && output.Type is null)
                {
                    diagnostics.Add(OnnxDiagnostics.MainGraphValueWithoutType, location, "output", output.Name);
                }
            }
        }
    }
}
