using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// How calibration runs several samples at once: a copy of the model whose inputs take a batch of samples stacked
/// along their leading dimension, and the size of that batch. On a small model the cost of a statistics run is per
/// kernel launch, not per element, so one run over many samples costs little more than one over a single sample.
/// </summary>
/// <remarks>
/// Only models that keep samples apart take a batch: every input has a fixed shape with leading dimension 1, no node
/// holds a subgraph, and ONNX Runtime's type inference of the batched copy gives every value that depends on an input
/// the per-sample shape with the batch in front (a <c>Reshape</c> to a fixed <c>[1, -1]</c> or a reduction over the
/// leading axis would show otherwise, and the model then runs sample by sample). The batch size depends on the model
/// and the sample count only, never on the machine, so two runs compute the same batches.
/// </remarks>
internal sealed class SampleBatches
{
    /// <summary>The most samples one run takes; beyond it a batch no longer pays on small models and only costs memory.</summary>
    public const int DefaultMaxBatchSize = 32;

    private readonly IReadOnlyDictionary<string, TensorInfo> _inputs;

    private SampleBatches(int size, ModelProto model, IReadOnlyDictionary<string, TensorInfo> inputs)
    {
        Size = size;
        Model = model;
        _inputs = inputs;
    }

    /// <summary>Samples per run.</summary>
    public int Size { get; }

    /// <summary>The model copy whose inputs take <see cref="Size"/> samples.</summary>
    public ModelProto Model { get; }

    /// <summary>
    /// The batching of <paramref name="model"/> for <paramref name="sampleCount"/> samples, or null when it runs sample
    /// by sample: batching turned off (<paramref name="maxBatchSize"/> 1), one sample, a model that does not keep
    /// samples apart, or activations so large that two samples' exceed <paramref name="memoryBudgetBytes"/>. Samples
    /// are spread evenly over the fewest batches of at most <paramref name="maxBatchSize"/> (100 samples: 4 × 25).
    /// </summary>
    public static SampleBatches? Plan(ModelProto model, GraphValueTypes types, int sampleCount, long memoryBudgetBytes, int maxBatchSize)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var fed = graph.Input.Where(i => !initializers.Contains(i.Name)).Select(i => i.Name).ToList();
        var subgraphs = graph.Node.Any(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0));
        if (maxBatchSize < 2 || sampleCount < 2 || fed.Count == 0 || subgraphs)
        {
            return null;
        }

        var inputs = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        foreach (var name in fed)
        {
            if (types.Find(name) is not { Kind: OnnxValueKind.Tensor, HasShape: true } info || !IsPerSample(info.Shape)
                || TensorElementTypes.SizeOf(info.ElementType) == 0)
            {
                return null;
            }

            inputs[name] = info;
        }

        var dependent = InputDependentValues(graph, fed);
        long bytesPerSample = 0;
        foreach (var value in dependent)
        {
            if (types.Find(value) is not { Kind: OnnxValueKind.Tensor, HasShape: true } info || !IsPerSample(info.Shape))
            {
                return null;
            }

            bytesPerSample += info.Shape.Aggregate(1L, (a, b) => a * b) * Math.Max(1, TensorElementTypes.SizeOf(info.ElementType));
        }

        var fits = bytesPerSample == 0 ? maxBatchSize : Math.Min(maxBatchSize, memoryBudgetBytes / bytesPerSample);
        var most = (int)Math.Min(fits, sampleCount);
        if (most < 2)
        {
            return null;
        }

        var runs = (sampleCount + most - 1) / most;
        var size = (sampleCount + runs - 1) / runs;
        var batched = Batched(model, types, fed, dependent, size);
        GraphValueTypes batchedTypes;
        try
        {
            batchedTypes = GraphValueTypes.Infer(batched);
        }
        catch (OnnxRuntimeErrorException)
        {
            return null;
        }

        foreach (var value in dependent)
        {
            var single = types.Find(value)!.Shape;
            if (batchedTypes.Find(value) is not { HasShape: true } info || info.Shape.Count != single.Count || info.Shape[0] != size
                || !info.Shape.Skip(1).SequenceEqual(single.Skip(1)))
            {
                return null;
            }
        }

        return new SampleBatches(size, batched, inputs);
    }

    /// <summary>
    /// The inputs of one run: each input's tensors of <paramref name="samples"/> stacked in order, the last sample
    /// repeated to fill the batch (a repeated sample changes no minimum or maximum); null when a sample does not
    /// match its input's type and shape (that batch then runs sample by sample, which names the sample at fault).
    /// </summary>
    public IReadOnlyList<NamedTensor>? Stack(IReadOnlyList<CalibrationSample> samples)
    {
        var first = samples[0].Inputs;
        if (first.Count != _inputs.Count || samples.Any(s => s.Inputs.Count != first.Count))
        {
            return null;
        }

        var stacked = new List<NamedTensor>(first.Count);
        for (var i = 0; i < first.Count; i++)
        {
            var name = first[i].Name;
            if (!_inputs.TryGetValue(name, out var info))
            {
                return null;
            }

            var bytes = first[i].Value.ByteCount;
            var data = new byte[bytes * Size];
            for (var s = 0; s < Size; s++)
            {
                var input = samples[Math.Min(s, samples.Count - 1)].Inputs[i];
                if (input.Name != name || input.Value.ElementType != info.ElementType || !input.Value.Shape.SequenceEqual(info.Shape))
                {
                    return null;
                }

                input.Value.AsBytes().CopyTo(data.AsSpan(checked((int)(bytes * s))));
            }

            long[] shape = [Size, .. info.Shape.Skip(1)];
            var elements = info.Shape.Aggregate(1L, (a, b) => a * b) * Size;
            stacked.Add(new NamedTensor(name, Tensor.WrapBytes(info.ElementType, shape, elements, data)));
        }

        return stacked;
    }

    /// <summary>A fixed shape whose leading dimension is the (single) sample.</summary>
    private static bool IsPerSample(IReadOnlyList<long> shape) => shape.Count > 0 && shape[0] == 1 && shape.All(d => d > 0);

    /// <summary>Every node output computed, directly or not, from a fed input, and the inputs (nodes are in topological order).</summary>
    private static HashSet<string> InputDependentValues(GraphProto graph, IEnumerable<string> fed)
    {
        var dependent = fed.ToHashSet(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            if (node.Input.Any(dependent.Contains))
            {
                dependent.UnionWith(node.Output.Where(o => o.Length > 0));
            }
        }

        return dependent;
    }

    /// <summary>
    /// A copy whose fed inputs take <paramref name="size"/> samples; declared shapes of everything else are left to
    /// inference. A <c>Reshape</c> of a sample to a constant shape that starts with its leading 1 (what constant folding
    /// makes of a reshape once the input shape is fixed, e.g. <c>[1, 200]</c>) gets the batch there instead: each
    /// sample's elements are contiguous in both, so each sample's row is its own.
    /// </summary>
    private static ModelProto Batched(
        ModelProto model, GraphValueTypes types, IReadOnlyList<string> fed, HashSet<string> dependent, int size)
    {
        var copy = model.Clone();
        var graph = copy.Graph;
        foreach (var input in graph.Input.Where(i => fed.Contains(i.Name)))
        {
            input.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimValue = size };
        }

        foreach (var output in graph.Output.Where(o => o.Type?.TensorType is not null))
        {
            output.Type.TensorType.Shape = null;
        }

        graph.ValueInfo.Clear();
        var initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var names = initializers.Keys.Concat(graph.Node.SelectMany(n => n.Output)).ToHashSet(StringComparer.Ordinal);
        foreach (var node in graph.Node
            .Where(n => n.OpType == "Reshape" && n.Domain.Length == 0 && n.Input.Count == 2 && dependent.Contains(n.Input[0])))
        {
            if (initializers.GetValueOrDefault(node.Input[1]) is not
                {
                    DataType: (int)TensorProto.Types.DataType.Int64, Dims
                .Count: 1
                } shape
                || types.Find(node.Output[0]) is not { HasShape: true } reshaped || reshaped.Shape.Count == 0 || reshaped.Shape[0] != 1)
            {
                continue;
            }

            var dims = TensorProtoConversion.ToTensor(shape).ToArray<long>();
            if (dims.Length > 0 && dims[0] == 1)
            {
                dims[0] = size;
                var name = shape.Name + ".batch";
                for (var n = 1; !names.Add(name); n++)
                {
                    name = shape.Name + ".batch." + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                graph.Initializer.Add(RawTensor.Create(name, dims, [dims.Length]));
                node.Input[1] = name;
            }
        }

        return copy;
    }
}
