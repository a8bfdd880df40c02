using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// The element type and shape of every value of a model's main graph, as ONNX Runtime infers them: the model
/// is loaded (not run) with every node output declared as an untyped graph output, and ONNX Runtime's own
/// type inference fills them in. No value is left out for lack of a <c>value_info</c>, which is how other
/// quantizers silently skip tensors.
/// </summary>
public sealed class GraphValueTypes
{
    private readonly Dictionary<string, TensorInfo> _values;

    private GraphValueTypes(Dictionary<string, TensorInfo> values) => _values = values;

    /// <summary>Every value: graph inputs, initializers and node outputs.</summary>
    public IReadOnlyDictionary<string, TensorInfo> Values => _values;

    /// <summary>Infers the types of <paramref name="model"/>'s values.</summary>
    /// <exception cref="OnnxRuntimeErrorException">ONNX Runtime cannot load the model.</exception>
    public static GraphValueTypes Infer(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var probe = model.Clone();
        var graph = probe.Graph;
        var declared = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var output in graph.Node.SelectMany(n => n.Output))
        {
            if (output.Length > 0 && !inputs.Contains(output) && declared.Add(output))
            {
                graph.Output.Add(new ValueInfoProto { Name = output });
            }
        }

        var values = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        var options = new ModelSessionOptions
        {
            OptimizationLevel = GraphOptimization.None,
            LogSeverity = RuntimeLogSeverity.Error
        };
        using (var session = new ModelSession(OnnxModelFile.Write(probe), options))
        {
            foreach (var value in session.Inputs.Concat(session.Outputs))
            {
                values[value.Name] = value;
            }
        }

        foreach (var initializer in model.Graph.Initializer)
        {
            values[initializer.Name] = new TensorInfo
            {
                Name = initializer.Name,
                ElementType = OnnxElementType.FromProto(initializer.DataType),
                Shape = [.. initializer.Dims],
                SymbolicShape = [.. initializer.Dims.Select(_ => (string?)null)],
            };
        }

        return new GraphValueTypes(values);
    }

    /// <summary>The value's type, or null when the graph has no such value.</summary>
    public TensorInfo? Find(string name) => _values.GetValueOrDefault(name);

    /// <summary>True when the value is a float32 tensor, the only kind calibration and quantization handle.</summary>
    public bool IsFloat(string name) => Find(name) is { ElementType: TensorElementType.Float, Kind: OnnxValueKind.Tensor };
}
