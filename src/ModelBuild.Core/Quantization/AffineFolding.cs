using System.Globalization;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Quantization;

/// <summary>
/// Folds multiplications and additions by constants into neighbouring Conv nodes before quantization, as
/// ONNX Runtime's Conv+Mul and Conv+Add fusions do, but for either operand order and on both sides:
/// <list type="bullet">
/// <item>after a Conv, <c>Mul</c>/<c>Div</c> by a per-output-channel (or scalar) constant scales its weights and
/// bias, <c>Add</c>/<c>Sub</c> shifts its bias;</item>
/// <item>before a Conv, <c>Mul</c>/<c>Div</c> by a per-input-channel constant scales its weights (exact, zero padding
/// stays zero), and <c>Add</c>/<c>Sub</c> moves into its bias when the Conv has no padding.</item>
/// </list>
/// Every folded op is one quantization point fewer: exporters that write batch-norm-like scales as loose
/// Mul/Add chains (PaddleOCR's learnable affine blocks) otherwise lose accuracy at each one.
/// </summary>
internal sealed class AffineFolding
{
    private readonly GraphProto _graph;
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly HashSet<string> _names;
    private int _folded;

    private AffineFolding(GraphProto graph)
    {
        _graph = graph;
        _initializers = graph.Initializer.GroupBy(i => i.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _names = new HashSet<string>(StringComparer.Ordinal);
        _names.UnionWith(graph.Initializer.Select(i => i.Name));
        _names.UnionWith(graph.Node.SelectMany(n => n.Input.Concat(n.Output)));
        _names.UnionWith(graph.Input.Concat(graph.Output).Select(v => v.Name));
    }

    /// <summary>Folds in place; returns how many ops were folded away.</summary>
    public static int Apply(ModelProto model)
    {
        var folding = new AffineFolding(model.Graph);
        while (folding.FoldOne())
        {
        }

        folding.RemoveUnusedInitializers();
        return folding._folded;
    }

    private bool FoldOne()
    {
        var consumers = Consumers();
        var outputs = _graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var node in _graph.Node)
        {
            if (node.Domain is not ("" or "ai.onnx") || node.OpType is not ("Mul" or "Div" or "Add" or "Sub") || node.Input.Count != 2
                || outputs.Contains(node.Output[0]))
            {
                continue;
            }

            if (Operands(node) is not { } operands)
            {
                continue;
            }

            var (data, constant) = operands;
            if (Producer(data) is { OpType: "Conv" } conv && consumers.GetValueOrDefault(data) == 1 && !outputs.Contains(data)
                && FoldAfter(conv, node, constant))
            {
                conv.Output[0] = node.Output[0];
                return Remove(node);
            }

            if (consumers.GetValueOrDefault(node.Output[0]) == 1
                && _graph.Node.FirstOrDefault(
                    n => n.OpType == "Conv" && n.Domain is "" or "ai.onnx" && n.Input.Count > 0 && n.Input[0] == node.Output[0]) is { } next
                && FoldBefore(next, node, constant))
            {
                next.Input[0] = data;
                return Remove(node);
            }
        }

        return false;
    }

    /// <summary>The activation and the float constant of a binary op, or null when it is not of that form.</summary>
    private (string Data, float[] Constant)? Operands(NodeProto node)
    {
        var commutes = node.OpType is "Mul" or "Add";
        for (var i = 0; i < 2; i++)
        {
            if ((i == 1 || commutes) && Constant(node.Input[i]) is { } constant && Constant(node.Input[1 - i]) is null)
            {
                IReadOnlyList<long> shape = [.. _initializers[node.Input[i]].Dims];
                return (node.Input[1 - i], constant) is var result && IsChannelShaped(shape) ? result : null;
            }
        }

        return null;
    }

    /// <summary>One value, or one per channel of an N, C, ... tensor: dims [C, 1, 1], [1, C, 1, 1] and the like.</summary>
    private static bool IsChannelShaped(IReadOnlyList<long> dims)
    {
        var significant = dims.SkipWhile(d => d == 1).ToList();
        return significant.Count == 0 || (significant.Skip(1).All(d => d == 1) && dims.Count <= 4);
    }

    private bool FoldAfter(NodeProto conv, NodeProto op, float[] constant)
    {
        if (Weights(conv) is not { } weights || Constant(conv.Input.ElementAtOrDefault(2) ?? string.Empty) is var bias && bias is null
            && conv.Input.Count > 2
            && conv.Input[2].Length > 0)
        {
            return false;
        }

        var (w, dims) = weights;
        var outputs = (int)dims[0];
        if (constant.Length != 1 && constant.Length != outputs)
        {
            return false;
        }

        var b = bias ?? new float[outputs];
        var perOutput = w.Length / outputs;
        for (var o = 0; o < outputs; o++)
        {
            var k = constant[constant.Length == 1 ? 0 : o];
            switch (op.OpType)
            {
                case "Mul" or "Div":
                    var factor = op.OpType == "Mul" ? k : 1 / k;
                    for (var i = o * perOutput; i < (o + 1) * perOutput; i++)
                    {
                        w[i] *= factor;
                    }

                    b[o] *= factor;
                    break;
                default:
                    b[o] += op.OpType == "Add" ? k : -k;
                    break;
            }
        }

        Replace(conv, w, dims, b);
        return true;
    }

    private bool FoldBefore(NodeProto conv, NodeProto op, float[] constant)
    {
        if (Weights(conv) is not { } weights || (conv.Input.Count > 2 && conv.Input[2].Length > 0 && Constant(conv.Input[2]) is null))
        {
            return false;
        }

        var (w, dims) = weights;
        var outputs = (int)dims[0];
        var perGroupInputs = (int)dims[1];
        var groups = (int)(conv.Attribute.FirstOrDefault(a => a.Name == "group")?.I ?? 1);
        var inputs = perGroupInputs * groups;
        var kernel = w.Length / (outputs * perGroupInputs);
        if (constant.Length != 1 && constant.Length != inputs)
        {
            return false;
        }

        var shift = op.OpType is "Add" or "Sub";
        if (shift && HasPadding(conv))
        {
            // Zero padding is not shifted: the border would change.
            return false;
        }

        var b = conv.Input.Count > 2 && conv.Input[2].Length > 0 ? Constant(conv.Input[2])! : new float[outputs];
        var outputsPerGroup = outputs / groups;
        for (var o = 0; o < outputs; o++)
        {
            var group = o / outputsPerGroup;
            for (var j = 0; j < perGroupInputs; j++)
            {
                var k = constant[constant.Length == 1 ? 0 : (group * perGroupInputs) + j];
                var start = ((o * perGroupInputs) + j) * kernel;
                for (var i = start; i < start + kernel; i++)
                {
                    if (shift)
                    {
                        b[o] += w[i] * (op.OpType == "Add" ? k : -k);
                    }
                    else
                    {
                        w[i] *= op.OpType == "Mul" ? k : 1 / k;
                    }
                }
            }
        }

        Replace(conv, w, dims, b);
        return true;
    }

    private static bool HasPadding(NodeProto conv)
    {
        var autoPad = conv.Attribute.FirstOrDefault(a => a.Name == "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
        return autoPad is not ("NOTSET" or "VALID")
            || (conv.Attribute.FirstOrDefault(a => a.Name == "pads")?.Ints.Any(p => p != 0) ?? false);
    }

    private (float[] Values, long[] Dims)? Weights(NodeProto conv) =>
        conv.Input.Count >= 2 && Constant(conv.Input[1]) is { } values ? (values, _initializers[conv.Input[1]].Dims.ToArray()) : null;

    /// <summary>Gives the Conv new weight and bias initializers (the old ones may be shared).</summary>
    private void Replace(NodeProto conv, float[] weights, long[] dims, float[] bias)
    {
        var weightName = Unique(conv.Input[1] + "_folded");
        var biasName = Unique((conv.Input.Count > 2 && conv.Input[2].Length > 0 ? conv.Input[2] : conv.Name + "_bias") + "_folded");
        Add(TensorProtoConversion.ToTensorProto(Tensor.Create(weights, dims), weightName));
        Add(TensorProtoConversion.ToTensorProto(Tensor.Create(bias, [bias.Length]), biasName));
        conv.Input[1] = weightName;
        if (conv.Input.Count > 2)
        {
            conv.Input[2] = biasName;
        }
        else
        {
            conv.Input.Add(biasName);
        }
    }

    private void Add(TensorProto tensor)
    {
        _graph.Initializer.Add(tensor);
        _initializers[tensor.Name] = tensor;
    }

    private float[]? Constant(string name) =>
        _initializers.TryGetValue(name, out var tensor) && tensor.DataType == (int)TensorProto.Types.DataType.Float
            ? TensorProtoConversion.ToTensor(tensor).ToArray<float>()
            : null;

    private NodeProto? Producer(string name) => _graph.Node.FirstOrDefault(n => n.Output.Contains(name));

    private Dictionary<string, int> Consumers()
    {
        var consumers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var input in _graph.Node.SelectMany(n => n.Input.Concat(
            n.Attribute.SelectMany(a => a.G is null ? a.Graphs : a.Graphs.Append(a.G)).SelectMany(g => g.Node.SelectMany(i => i.Input)))))
        {
            consumers[input] = consumers.GetValueOrDefault(input) + 1;
        }

        return consumers;
    }

    private bool Remove(NodeProto node)
    {
        _graph.Node.Remove(node);
        _folded++;
        return true;
    }

    private void RemoveUnusedInitializers()
    {
        var used = _graph.Node.SelectMany(n => n.Input).Concat(_graph.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        used.UnionWith(Consumers().Keys);
        foreach (var unused in _graph.Initializer.Where(i => !used.Contains(i.Name)).ToList())
        {
            _graph.Initializer.Remove(unused);
            if (_graph.Input.FirstOrDefault(i => i.Name == unused.Name) is { } listed)
            {
                _graph.Input.Remove(listed);
            }
        }
    }

    private string Unique(string name)
    {
        var candidate = name;
        for (var n = 1; !_names.Add(candidate); n++)
        {
            candidate = name + "_" + n.ToString(CultureInfo.InvariantCulture);
        }

        return candidate;
    }
}
