using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Quantization;

/// <summary>A written QDQ model: the model, its quantized tensors, the SQNR of its stored constants and the nodes quantized.</summary>
internal sealed record QdqModel(
    ModelProto Model,
    IReadOnlyList<QuantizedTensor> Tensors,
    IReadOnlyDictionary<string, double> ConstantSqnr,
    IReadOnlyList<string> QuantizedNodes);

/// <summary>
/// Writes the QDQ model a <see cref="QuantizationContext"/> planned: a QuantizeLinear/DequantizeLinear pair
/// after every quantized activation (read by all its consumers), constants stored quantized behind a
/// DequantizeLinear, Relu/Clip folded into their producers. Names follow ONNX Runtime's (<c>x_QuantizeLinear_Output</c>,
/// <c>w_quantized</c>, <c>w_scale</c>...); everything is emitted in graph order, so the same plan always gives the
/// same bytes.
/// </summary>
internal sealed class QdqModelWriter
{
    private readonly QuantizationContext _context;
    private readonly ModelProto _model;
    private readonly GraphProto _graph;
    private readonly HashSet<string> _names;
    private readonly Dictionary<string, QuantizationParameters> _activationParameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (float[] Scales, int[] ZeroPoints)> _weightParameters = new(StringComparer.Ordinal);
    private readonly List<QuantizedTensor> _tensors = [];
    private readonly List<NodeProto> _constantNodes = [];
    private readonly List<TensorProto> _newInitializers = [];
    private readonly Dictionary<string, NodeProto> _declaringNodes;
    private readonly Dictionary<string, double> _constantSqnr = new(StringComparer.Ordinal);

    private QdqModelWriter(QuantizationContext context)
    {
        _context = context;
        _model = context.Model.Clone();
        _graph = _model.Graph;
        _names = new HashSet<string>(StringComparer.Ordinal);
        _names.UnionWith(_graph.Input.Select(i => i.Name));
        _names.UnionWith(_graph.Output.Select(i => i.Name));
        _names.UnionWith(_graph.Initializer.Select(i => i.Name));
        _names.UnionWith(_graph.Node.SelectMany(n => n.Output.Concat(n.Input)));
        _names.UnionWith(_graph.Node.Select(n => n.Name));
        _declaringNodes = _graph.Node.Where(n => n.Name.Length > 0).GroupBy(n => n.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    /// <summary>The QDQ model and its quantized tensors (activations first, in graph order).</summary>
    public static QdqModel Write(QuantizationContext context)
    {
        var writer = new QdqModelWriter(context);
        return writer.Write();
    }

    private QdqModel Write()
    {
        ApplyFusions();
        ComputeActivationParameters();
        var constants = QuantizeConstants();
        var activations = _context.Activations.Keys.Where(_activationParameters.ContainsKey).ToHashSet(StringComparer.Ordinal);
        var graphOutputs = _graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

        // Where each quantized value is read from after this pass.
        var replacement = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, dequantized) in constants)
        {
            replacement[name] = dequantized;
        }

        var nodes = new List<NodeProto>(_constantNodes);
        foreach (var input in _graph.Input.Where(i => activations.Contains(i.Name)))
        {
            nodes.AddRange(QuantizePair(input.Name, input.Name, isGraphOutput: false, replacement));
        }

        var originals = _graph.Node.ToList();
        foreach (var node in originals)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (replacement.TryGetValue(node.Input[i], out var read))
                {
                    node.Input[i] = read;
                }
            }

            var pairs = new List<NodeProto>();
            for (var o = 0; o < node.Output.Count; o++)
            {
                var output = node.Output[o];
                if (!activations.Contains(output))
                {
                    continue;
                }

                if (graphOutputs.Contains(output))
                {
                    // A graph output keeps its name: the producer writes a new name and DequantizeLinear writes the old one.
                    var before = Unique(output + "_QuantizeLinear_Input");
                    node.Output[o] = before;
                    pairs.AddRange(QuantizePair(output, before, isGraphOutput: true, replacement));
                }
                else
                {
                    pairs.AddRange(QuantizePair(output, output, isGraphOutput: false, replacement));
                }
            }

            nodes.Add(node);
            nodes.AddRange(pairs);
        }

        _graph.Node.Clear();
        _graph.Node.AddRange(nodes);
        RemoveUnusedInitializers();
        _graph.Initializer.AddRange(_newInitializers);
        EnsureQdqOpset();
        var ordered = _tensors.Where(t => t.Kind == QuantizedTensorKind.Activation)
            .Concat(_tensors.Where(t => t.Kind != QuantizedTensorKind.Activation))
            .ToList();
        return new QdqModel(_model, ordered, _constantSqnr, [.. _context.QuantizedNodes.Select(n => n.Name)]);
    }

    private void ApplyFusions()
    {
        foreach (var fusion in _context.Fusions)
        {
            var producer = _graph.Node.First(n => n.Output.Contains(fusion.Upstream));
            producer.Output[producer.Output.IndexOf(fusion.Upstream)] = fusion.Output;
            var removed = _graph.Node.First(n => n.Name == fusion.Removed.Name && n.Output.Contains(fusion.Output) && n != producer);
            _graph.Node.Remove(removed);
        }
    }

    private void ComputeActivationParameters()
    {
        var range = _context.ActivationRange;
        foreach (var declaration in _context.Activations.Values)
        {
            var root = Root(declaration);
            if (root is null || !_context.Ranges.TryGetValue(root, out var calibrated))
            {
                continue;
            }

            _activationParameters[declaration.Tensor] = QuantizationMath.Compute(
                calibrated.Min,
                calibrated.Max,
                range,
                _context.Options.SymmetricActivations);
        }
    }

    /// <summary>The tensor whose range decides <paramref name="declaration"/>'s parameters, following shared parameters.</summary>
    private string? Root(ActivationDeclaration declaration)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = declaration;
        while (current.SharesWith is { } provider)
        {
            if (!seen.Add(current.Tensor) || !_context.Activations.TryGetValue(provider, out var next))
            {
                return null;
            }

            current = next;
        }

        return current.Tensor;
    }

    /// <summary>Stores weights, constant operands and biases quantized; returns each one's dequantized name.</summary>
    private List<(string Name, string Dequantized)> QuantizeConstants()
    {
        var result = new List<(string, string)>();
        var biases = _context.Biases.ToDictionary(b => b.Bias, StringComparer.Ordinal);
        foreach (var declaration in _context.Constants.Values.Where(c => !biases.ContainsKey(c.Tensor)))
        {
            var proto = _context.Constant(declaration.Tensor)!;
            var values = TensorProtoConversion.ToTensor(proto).ToArray<float>();
            var dims = proto.Dims.ToArray();
            var type = declaration.IsWeight ? QuantizedType.Int8 : _context.Options.ActivationType;
            var symmetric = declaration.IsWeight || _context.Options.SymmetricActivations;
            var range = QuantizationMath.RangeOf(type, symmetric, declaration.IsWeight && _context.Options.ReduceRange);
            var (scales, zeroPoints, quantized, low, high) = QuantizeData(values, dims, declaration.Axis, range, symmetric);
            _weightParameters[declaration.Tensor] = (scales, zeroPoints);
            _constantSqnr[declaration.Tensor] = ConstantSqnr(values, quantized, scales, zeroPoints, dims, declaration.Axis);
            var elementType = type == QuantizedType.Int8 ? TensorProto.Types.DataType.Int8 : TensorProto.Types.DataType.Uint8;
            var dequantized = AddConstant(declaration.Tensor, dims, elementType, quantized, scales, zeroPoints, declaration.Axis);
            result.Add((declaration.Tensor, dequantized));
            _tensors.Add(Describe(
                declaration.Tensor,
                declaration.IsWeight ? QuantizedTensorKind.Weight : QuantizedTensorKind.Constant,
                declaration.Node,
                elementType,
                scales,
                zeroPoints,
                declaration.Axis,
                low,
                high,
                null,
                null,
                dequantized));
        }

        foreach (var bias in _context.Biases)
        {
            if (!_activationParameters.TryGetValue(bias.Input, out var input)
                || !_weightParameters.TryGetValue(bias.Weight, out var weight))
            {
                continue;
            }

            var proto = _context.Constant(bias.Bias)!;
            var values = TensorProtoConversion.ToTensor(proto).ToArray<float>();
            var perChannel = weight.Scales.Length > 1;
            if (perChannel && weight.Scales.Length != values.Length)
            {
                continue;
            }

            // float32 products, as numpy multiplies float32 scales; Gemm's beta goes into the values.
            var scales = weight.Scales.Select(s => input.Scale * s).ToArray();
            values = [.. values.Select(v => v * bias.Beta)];
            var quantized = new int[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                quantized[i] = QuantizationMath.QuantizeBias(values[i], scales[perChannel ? i : 0]);
            }

            var zeroPoints = new int[scales.Length];
            _constantSqnr[bias.Bias] = ConstantSqnr(values, quantized, scales, zeroPoints, [.. proto.Dims], perChannel ? 0 : null);
            var dequantized = AddConstant(
                bias.Bias,
                [.. proto.Dims],
                TensorProto.Types.DataType.Int32,
                quantized,
                scales,
                zeroPoints,
                perChannel ? 0 : null);
            if (_declaringNodes.GetValueOrDefault(bias.Node)?.Attribute.FirstOrDefault(a => a.Name == "beta") is { } beta)
            {
                // Gemm's beta now lives in the bias values.
                beta.F = 1f;
            }

            result.Add((bias.Bias, dequantized));
            var (low, high) = values.Length == 0 ? (0f, 0f) : (values.Min(), values.Max());
            _tensors.Add(Describe(
                bias.Bias,
                QuantizedTensorKind.Bias,
                bias.Node,
                TensorProto.Types.DataType.Int32,
                scales,
                zeroPoints,
                perChannel ? 0 : null,
                low,
                high,
                null,
                null,
                dequantized));
        }

        return result;
    }

    private static (float[] Scales, int[] ZeroPoints, int[] Quantized, float Low, float High) QuantizeData(
        float[] values,
        long[] dims,
        int? axis,
        QuantizedRange range,
        bool symmetric)
    {
        var quantized = new int[values.Length];
        var (low, high) = MinMax(values, [(0, values.Length)]);
        if (axis is not { } a)
        {
            var parameters = QuantizationMath.Compute(low, high, range, symmetric);
            for (var i = 0; i < values.Length; i++)
            {
                quantized[i] = QuantizationMath.Quantize(values[i], parameters, range);
            }

            return ([parameters.Scale], [parameters.ZeroPoint], quantized, low, high);
        }

        // Channel c of axis a is, for every index of the axes before a, one run of `inner` values.
        var channels = (int)dims[a];
        var inner = (int)dims.Skip(a + 1).Aggregate(1L, (x, y) => x * y);
        var outer = channels * inner == 0 ? 0 : values.Length / (channels * inner);
        var scales = new float[channels];
        var zeroPoints = new int[channels];
        for (var c = 0; c < channels; c++)
        {
            var runs = Enumerable.Range(0, outer).Select(o => ((o * channels * inner) + (c * inner), inner)).ToList();
            var (channelLow, channelHigh) = MinMax(values, runs);
            var parameters = QuantizationMath.Compute(channelLow, channelHigh, range, symmetric);
            scales[c] = parameters.Scale;
            zeroPoints[c] = parameters.ZeroPoint;
            foreach (var (start, length) in runs)
            {
                for (var i = start; i < start + length; i++)
                {
                    quantized[i] = QuantizationMath.Quantize(values[i], parameters, range);
                }
            }
        }

        return (scales, zeroPoints, quantized, low, high);
    }

    /// <summary>The SQNR of stored constant values against their dequantized form.</summary>
    private static double ConstantSqnr(float[] values, int[] quantized, float[] scales, int[] zeroPoints, long[] dims, int? axis)
    {
        var inner = axis is { } a ? (int)dims.Skip(a + 1).Aggregate(1L, (x, y) => x * y) : values.Length;
        var channels = scales.Length;
        var noise = new SignalNoise();
        for (var i = 0; i < values.Length; i++)
        {
            var c = axis is null ? 0 : i / Math.Max(inner, 1) % channels;
            noise.Add(values[i], QuantizationMath.Dequantize(quantized[i], new QuantizationParameters(scales[c], zeroPoints[c])));
        }

        return noise.Sqnr;
    }

    /// <summary>The smallest and largest finite value of the <paramref name="runs"/> (start, length) of <paramref name="values"/>; [0, 0]
    /// when there is none.</summary>
    private static (float Low, float High) MinMax(float[] values, IEnumerable<(int Start, int Length)> runs)
    {
        var low = float.PositiveInfinity;
        var high = float.NegativeInfinity;
        foreach (var (start, length) in runs)
        {
            foreach (var value in values.AsSpan(start, length))
            {
                if (float.IsFinite(value))
                {
                    low = Math.Min(low, value);
                    high = Math.Max(high, value);
                }
            }
        }

        return low <= high ? (low, high) : (0f, 0f);
    }

    /// <summary>Adds a quantized initializer with its scale and zero point and a DequantizeLinear reading them; returns the dequantized
    /// name.</summary>
    private string AddConstant(
        string name,
        long[] dims,
        TensorProto.Types.DataType type,
        int[] quantized,
        float[] scales,
        int[] zeroPoints,
        int? axis)
    {
        var quantizedName = Unique(name + "_quantized");
        var scaleName = Unique(name + (type == TensorProto.Types.DataType.Int32 ? "_quantized_scale" : "_scale"));
        var zeroPointName = Unique(name + (type == TensorProto.Types.DataType.Int32 ? "_quantized_zero_point" : "_zero_point"));
        var dequantized = Unique(name + "_DequantizeLinear_Output");
        long[] parameterDims = axis is null ? [] : [scales.Length];
        _newInitializers.Add(IntegerTensor(quantizedName, type, quantized, dims));
        _newInitializers.Add(FloatTensor(scaleName, scales, parameterDims));
        _newInitializers.Add(IntegerTensor(zeroPointName, type, zeroPoints, parameterDims));
        var node = new NodeProto
        {
            OpType = "DequantizeLinear",
            Name = Unique(name + "_DequantizeLinear"),
            Input = { quantizedName, scaleName, zeroPointName },
            Output = { dequantized }
        };
        if (axis is { } a)
        {
            node.Attribute.Add(OnnxAttributes.Int("axis", a));
        }

        _constantNodes.Add(node);
        return dequantized;
    }

    /// <summary>The QuantizeLinear/DequantizeLinear pair of activation <paramref name="tensor"/>, reading <paramref
    /// name="source"/>.</summary>
    private IEnumerable<NodeProto> QuantizePair(string tensor, string source, bool isGraphOutput, Dictionary<string, string> replacement)
    {
        var parameters = _activationParameters[tensor];
        var declaration = _context.Activations[tensor];
        var type = _context.Options.ActivationType == QuantizedType.Int8
            ? TensorProto.Types.DataType.Int8
            : TensorProto.Types.DataType.Uint8;
        var scaleName = Unique(tensor + "_scale");
        var zeroPointName = Unique(tensor + "_zero_point");
        var quantized = Unique(tensor + "_QuantizeLinear_Output");
        var dequantized = isGraphOutput ? tensor : Unique(tensor + "_DequantizeLinear_Output");
        _newInitializers.Add(FloatTensor(scaleName, [parameters.Scale], []));
        _newInitializers.Add(IntegerTensor(zeroPointName, type, [parameters.ZeroPoint], []));
        if (!isGraphOutput)
        {
            replacement[tensor] = dequantized;
        }

        var root = Root(declaration)!;
        var range = _context.Ranges[root];
        var fusion = _context.Fusions.FirstOrDefault(f => f.Output == tensor);
        var fused = fusion is null ? null : new FusedActivation(fusion.Removed.Name, fusion.Removed.OpType, fusion.Low, fusion.High);
        _tensors.Add(Describe(
            tensor,
            QuantizedTensorKind.Activation,
            declaration.Node,
            type,
            [parameters.Scale],
            [parameters.ZeroPoint],
            null,
            range.Min,
            range.Max,
            declaration.SharesWith,
            source,
            dequantized) with
        { Fused = fused });
        yield return new NodeProto
        {
            OpType = "QuantizeLinear",
            Name = Unique(tensor + "_QuantizeLinear"),
            Input = { source, scaleName, zeroPointName },
            Output = { quantized }
        };
        yield return new NodeProto
        {
            OpType = "DequantizeLinear",
            Name = Unique(tensor + "_DequantizeLinear"),
            Input = { quantized, scaleName, zeroPointName },
            Output = { dequantized }
        };
    }

    private QuantizedTensor Describe(
        string name,
        QuantizedTensorKind kind,
        string node,
        TensorProto.Types.DataType type,
        float[] scales,
        int[] zeroPoints,
        int? axis,
        float low,
        float high,
        string? sharesWith,
        string? preQuantize,
        string dequantized) =>
        new(name, kind, node, _declaringNodes.GetValueOrDefault(node)?.OpType
            ?? _context.Fusions.FirstOrDefault(f => f.Removed.Name == node)?.Removed.OpType ?? string.Empty,
            OnnxElementType.Name(OnnxElementType.FromDataType(type)),
            scales,
            zeroPoints,
            axis,
            low,
            high,
            sharesWith,
            preQuantize,
            dequantized);

    private void RemoveUnusedInitializers()
    {
        var used = _graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        used.UnionWith(_graph.Output.Select(o => o.Name));
        foreach (var node in _graph.Node)
        {
            used.UnionWith(SubgraphNames(node));
        }

        var removed = _graph.Initializer.Where(i => !used.Contains(i.Name)).Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in removed)
        {
            _graph.Initializer.Remove(_graph.Initializer.First(i => i.Name == name));
            if (_graph.Input.FirstOrDefault(i => i.Name == name) is { } listed)
            {
                _graph.Input.Remove(listed);
            }
        }
    }

    private static IEnumerable<string> SubgraphNames(NodeProto node) =>
        node.Attribute.SelectMany(a => a.G is null ? a.Graphs : a.Graphs.Append(a.G))
            .SelectMany(g => g.Node.SelectMany(n => n.Input.Concat(SubgraphNames(n))));

    /// <summary>QuantizeLinear and DequantizeLinear exist from opset 10 (per-axis from 13, which the caller ensures).</summary>
    private void EnsureQdqOpset()
    {
        var opset = _model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (opset is not null && opset.Version < 10)
        {
            opset.Version = 10;
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

    private static TensorProto FloatTensor(string name, float[] values, long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        var tensor = new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = ByteString.CopyFrom(bytes)
        };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static TensorProto IntegerTensor(string name, TensorProto.Types.DataType type, int[] values, long[] dims)
    {
        byte[] bytes = type switch
        {
            TensorProto.Types.DataType.Int32 => Int32Bytes(values),
            TensorProto.Types.DataType.Int8 => values.Select(v => (byte)(sbyte)v).ToArray(),
            _ => values.Select(v => (byte)v).ToArray(),
        };
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static byte[] Int32Bytes(int[] values)
    {
        var bytes = new byte[values.Length * sizeof(int)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * sizeof(int)), values[i]);
        }

        return bytes;
    }
}
