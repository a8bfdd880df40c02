using System.Collections.Immutable;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Onnx;

/// <summary>
/// The inputs a caller feeds and the outputs it gets back. Inputs are the graph inputs that are
/// not initializers: models older than IR version 4 list every weight as a graph input too.
/// </summary>
public sealed record OnnxModelSignature(ImmutableArray<OnnxValueInfo> Inputs, ImmutableArray<OnnxValueInfo> Outputs)
{
    /// <summary>Reads the signature of <paramref name="model"/>'s main graph.</summary>
    public static OnnxModelSignature FromModel(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph ?? throw new ArgumentException("The model has no graph.", nameof(model));
        var initializers = graph.Initializer.Select(t => t.Name)
            .Concat(graph.SparseInitializer.Select(s => s.Values?.Name ?? ""))
            .ToHashSet(StringComparer.Ordinal);
        return new(
            [.. graph.Input.Where(i => !initializers.Contains(i.Name)).Select(OnnxValueInfo.FromProto)],
            [.. graph.Output.Select(OnnxValueInfo.FromProto)]);
    }

    public IEnumerable<string> InputNames => Inputs.Select(i => i.Name);

    public IEnumerable<string> OutputNames => Outputs.Select(o => o.Name);

    public OnnxValueInfo? FindInput(string name) => Inputs.FirstOrDefault(i => i.Name == name);

    public OnnxValueInfo? FindOutput(string name) => Outputs.FirstOrDefault(o => o.Name == name);

    public bool Equals(OnnxModelSignature? other) =>
        other is not null && Inputs.SequenceEqual(other.Inputs) && Outputs.SequenceEqual(other.Outputs);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var value in Inputs.Concat(Outputs))
        {
            hash.Add(value);
        }

        return hash.ToHashCode();
    }
}
