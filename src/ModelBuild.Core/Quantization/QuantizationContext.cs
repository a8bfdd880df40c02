using ModelBuild.Core.Calibration;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Quantization;

/// <summary>What is quantized about one activation: its own range, or the parameters of another tensor (ops that only move data).</summary>
internal sealed record ActivationDeclaration(string Tensor, string? SharesWith, string Node);

/// <summary>A constant input stored quantized: a weight (int8 symmetric, per channel on <see cref="Axis"/>), or a constant operand
/// quantized like an activation.</summary>
internal sealed record ConstantDeclaration(string Tensor, int? Axis, bool IsWeight, string Node);

/// <summary>A bias stored as int32 with scale <c>input scale × weight scale</c>; its values are multiplied by <see cref="Beta"/> (Gemm's
/// beta, 1 elsewhere).</summary>
internal sealed record BiasDeclaration(string Bias, string Input, string Weight, float Beta, string Node);

/// <summary>A Relu or Clip folded into its producer: the producer now writes <see cref="Output"/> directly, quantized with its
/// range.</summary>
internal sealed record ActivationFusion(NodeProto Removed, string Upstream, string Output, double Low, double High);

/// <summary>
/// What the op quantizers see and decide while a model is planned: value types, constants and calibrated
/// ranges, and the declarations they make (which tensors are quantized and how). Nodes are visited in
/// topological order, so a producer declares its output before its consumers look at it.
/// </summary>
internal sealed class QuantizationContext
{
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly Dictionary<string, int> _consumers;
    private readonly HashSet<string> _graphOutputs;
    private readonly HashSet<string> _graphInputs;
    private readonly Dictionary<string, NodeProto> _producers;

    public QuantizationContext(
        ModelProto model,
        GraphValueTypes types,
        IReadOnlyDictionary<string, TensorRange> ranges,
        QuantizationOptions options)
    {
        Model = model;
        Types = types;
        Ranges = ranges;
        Options = options;
        var graph = model.Graph;
        _initializers = graph.Initializer.GroupBy(i => i.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        _graphInputs = graph.Input.Select(i => i.Name).Where(n => !_initializers.ContainsKey(n)).ToHashSet(StringComparer.Ordinal);
        _consumers = new Dictionary<string, int>(StringComparer.Ordinal);
        _producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input.Where(i => i.Length > 0).Concat(SubgraphReads(node)))
            {
                _consumers[input] = _consumers.GetValueOrDefault(input) + 1;
            }

            foreach (var output in node.Output)
            {
                _producers[output] = node;
            }
        }
    }

    public ModelProto Model { get; }

    public GraphValueTypes Types { get; }

    public IReadOnlyDictionary<string, TensorRange> Ranges { get; }

    public QuantizationOptions Options { get; }

    /// <summary>Activation tensors to quantize, in the order declared.</summary>
    public Dictionary<string, ActivationDeclaration> Activations { get; } = new(StringComparer.Ordinal);

    /// <summary>Constant inputs to store quantized, in the order declared.</summary>
    public Dictionary<string, ConstantDeclaration> Constants { get; } = new(StringComparer.Ordinal);

    public List<BiasDeclaration> Biases { get; } = [];

    public List<ActivationFusion> Fusions { get; } = [];

    /// <summary>The nodes that were quantized, in graph order.</summary>
    public List<NodeProto> QuantizedNodes { get; } = [];

    /// <summary>True for a float32 tensor computed by the graph or fed to it (not a constant).</summary>
    public bool IsFloatActivation(string name) =>
        name.Length > 0 && !_initializers.ContainsKey(name) && Types.IsFloat(name);

    /// <summary>True for a float32 initializer.</summary>
    public bool IsFloatConstant(string name) =>
        _initializers.TryGetValue(name, out var tensor) && tensor.DataType == (int)TensorProto.Types.DataType.Float;

    public TensorProto? Constant(string name) => _initializers.GetValueOrDefault(name);

    /// <summary>True once some node declared <paramref name="name"/> quantized.</summary>
    public bool IsQuantized(string name) => Activations.ContainsKey(name) || Constants.ContainsKey(name);

    /// <summary>
    /// Quantizes an input or output with its own calibrated range. A float constant is stored quantized with
    /// the activation type and its own min/max (ONNX Runtime's handling of constant operands); anything else
    /// (integer tensors, missing optional inputs) is left alone.
    /// </summary>
    public void Activation(string tensor, NodeProto node)
    {
        if (IsFloatConstant(tensor))
        {
            Constants.TryAdd(tensor, new ConstantDeclaration(tensor, null, IsWeight: false, node.Name));
        }
        else if (IsFloatActivation(tensor) && Ranges.ContainsKey(tensor) && !IsKeptOutput(tensor))
        {
            Activations.TryAdd(tensor, new ActivationDeclaration(tensor, null, node.Name));
        }
    }

    /// <summary>Quantizes a constant weight as int8 symmetric, per channel along <paramref name="axis"/> when per-channel is on.</summary>
    public bool Weight(string tensor, int axis, NodeProto node)
    {
        if (!IsFloatConstant(tensor))
        {
            return false;
        }

        var rank = _initializers[tensor].Dims.Count;
        int? channelAxis = Options.PerChannel && rank > 0 && axis >= 0 && axis < rank ? axis : null;
        if (Constants.TryGetValue(tensor, out var existing) && !existing.IsWeight)
        {
            return false;
        }

        Constants.TryAdd(tensor, new ConstantDeclaration(tensor, channelAxis, IsWeight: true, node.Name));
        return true;
    }

    /// <summary>Quantizes a constant bias as int32 when its input and weight are quantized.</summary>
    public bool Bias(string bias, string input, string weight, float beta, NodeProto node)
    {
        if (!IsFloatConstant(bias) || !Activations.ContainsKey(input) || !Constants.TryGetValue(weight, out var w) || !w.IsWeight
            || Constants.ContainsKey(bias))
        {
            return false;
        }

        Biases.Add(new BiasDeclaration(bias, input, weight, beta, node.Name));
        Constants.Add(bias, new ConstantDeclaration(bias, null, IsWeight: false, node.Name));
        return true;
    }

    /// <summary>Quantizes <paramref name="output"/> with exactly the parameters of <paramref name="input"/> (ops that only move
    /// data).</summary>
    public void Share(string output, string input, NodeProto node)
    {
        if (IsFloatActivation(output) && Activations.ContainsKey(input) && !IsKeptOutput(output))
        {
            Activations[output] = new ActivationDeclaration(output, input, node.Name);
        }
    }

    /// <summary>
    /// Folds a Relu or Clip into the node producing its input, as ONNX Runtime's QDQ quantizer does: the
    /// producer then writes this node's output, whose quantization clips exactly as the node did. Allowed when
    /// the producer's output is quantized, feeds only this node, and the quantized grid of the output lies within
    /// [<paramref name="low"/>, <paramref name="high"/>] (the values the node lets through).
    /// </summary>
    public bool TryFuse(NodeProto node, double low, double high)
    {
        var upstream = node.Input[0];
        var output = node.Output[0];
        if (!Activations.ContainsKey(upstream) || !_producers.TryGetValue(upstream, out var producer) || _graphOutputs.Contains(upstream)
            || _consumers.GetValueOrDefault(upstream) != 1 || !IsFloatActivation(output) || IsKeptOutput(output) || !Ranges.TryGetValue(
                output,
                out var range))
        {
            return false;
        }

        var parameters = QuantizationMath.Compute(range.Min, range.Max, ActivationRange, Options.SymmetricActivations);
        var (representedLow, representedHigh) = parameters.Representable(ActivationRange);
        if (representedLow < low || representedHigh > high)
        {
            return false;
        }

        // The fused output belongs to the producer: falling back that one layer keeps the pair float.
        Activations.Remove(upstream);
        Activations[output] = new ActivationDeclaration(output, null, producer.Name);
        Fusions.Add(new ActivationFusion(node, upstream, output, low, high));
        return true;
    }

    /// <summary>The integer range of activations.</summary>
    public QuantizedRange ActivationRange => QuantizationMath.RangeOf(Options.ActivationType, Options.SymmetricActivations);

    public bool IsGraphInput(string name) => _graphInputs.Contains(name);

    /// <summary>True for a graph output that stays float (<see cref="QuantizationOptions.QuantizeOutputs"/> off).</summary>
    private bool IsKeptOutput(string name) => !Options.QuantizeOutputs && _graphOutputs.Contains(name);

    /// <summary>Names a subgraph (If, Loop, Scan bodies) reads from the enclosing graph; they count as consumers.</summary>
    private static IEnumerable<string> SubgraphReads(NodeProto node)
    {
        foreach (var attribute in node.Attribute)
        {
            foreach (var graph in attribute.G is null ? attribute.Graphs : attribute.Graphs.Append(attribute.G))
            {
                var local = graph.Node.SelectMany(n => n.Output).Concat(graph.Input.Select(i => i.Name))
                    .Concat(graph.Initializer.Select(i => i.Name))
                    .ToHashSet(StringComparer.Ordinal);
                foreach (var inner in graph.Node)
                {
                    foreach (var input in inner.Input.Where(i => i.Length > 0 && !local.Contains(i)).Concat(SubgraphReads(inner)))
                    {
                        yield return input;
                    }
                }
            }
        }
    }
}
