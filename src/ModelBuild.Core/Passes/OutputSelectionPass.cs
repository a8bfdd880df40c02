using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Passes;

/// <summary>One output asked for (an entry of the manifest's <c>outputs</c>): a graph output or any tensor inside the graph.</summary>
public sealed record OutputRequest(string Name, SourceLocation? Location = null);

/// <summary>
/// Keeps only the outputs asked for, in the order asked, and prunes every node, initializer and
/// <c>value_info</c> they do not need. An intermediate tensor becomes an output with the type and
/// shape ONNX Runtime infers for it, so a model can be cut anywhere.
/// </summary>
public sealed class OutputSelectionPass : IModelPass
{
    private readonly ImmutableArray<OutputRequest> _outputs;

    public OutputSelectionPass(IEnumerable<OutputRequest> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        _outputs = [.. outputs];
    }

    public string Name => "outputs";

    public JsonObject DescribeOptions() => new()
    {
        ["outputs"] = new JsonArray([.. _outputs.Select(o => (JsonNode)JsonValue.Create(o.Name))]),
    };

    public ModelProto? Apply(ModelProto model, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var graph = model.Graph;
        var values = new HashSet<string>(graph.Node.SelectMany(n => n.Output).Where(o => o.Length > 0), StringComparer.Ordinal);
        values.UnionWith(graph.Input.Select(i => i.Name));
        values.UnionWith(graph.Output.Select(o => o.Name));
        var failed = false;
        foreach (var request in _outputs.Where(o => !values.Contains(o.Name)))
        {
            var suggestion = NameSuggestion.Closest(request.Name, values.Order(StringComparer.Ordinal));
            diagnostics.Add(
                PassDiagnostics.UnknownOutput,
                request.Location,
                request.Name,
                suggestion is null ? "" : $" Did you mean '{suggestion}'?",
                graph.Output.Count == 0 ? "none" : string.Join(", ", graph.Output.Select(o => $"'{o.Name}'")));
            failed = true;
        }

        if (failed)
        {
            return null;
        }

        var result = model.Clone();
        var declared = result.Graph.Output.Concat(result.Graph.ValueInfo).Concat(result.Graph.Input)
            .Where(v => v.Type is not null)
            .GroupBy(v => v.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        IReadOnlyDictionary<string, OnnxValueInfo>? inferred = null;
        var outputs = new List<ValueInfoProto>();
        foreach (var request in _outputs)
        {
            if (declared.TryGetValue(request.Name, out var known))
            {
                outputs.Add(known.Clone());
                continue;
            }

            inferred ??= RuntimeTypeInference.Infer(model, model.Graph.Name);
            var info = inferred.TryGetValue(request.Name, out var found) ? found : null;
            outputs.Add(info is { Kind: OnnxValueKind.Tensor }
                ? GraphEdits.TensorValue(request.Name, info.ElementType, info.Shape?.ToProto())
                : new ValueInfoProto { Name = request.Name });
        }

        result.Graph.Output.Clear();
        result.Graph.Output.AddRange(outputs);
        GraphCleanup.RemoveDeadNodes(result.Graph);
        GraphCleanup.RemoveUnusedInitializers(result.Graph);
        GraphCleanup.RemoveStaleValueInfo(result.Graph);
        GraphCleanup.RemoveUnusedOpsetImports(result);
        return result;
    }
}
