using System.Globalization;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Quantization;

/// <summary>
/// One model holding the float model and the QDQ model side by side on the same inputs, with the energies SQNR
/// needs computed inside it for every quantized activation: Σx² and Σ(x − y)² between the float tensor x and
/// the QDQ model's dequantized y, and the same between the QDQ model's own value before QuantizeLinear and y.
/// A run returns four scalars per tensor, so measuring every layer costs one run per sample and no memory for
/// activations beyond a plain inference of both models.
/// </summary>
internal static class ComparisonGraph
{
    private const string Prefix = "quantized/";

    /// <summary>The output names of one tensor's four energies.</summary>
    public sealed record Energies(string Tensor, string Signal, string Noise, string LocalSignal, string LocalNoise);

    public static (ModelProto Model, IReadOnlyList<Energies> Outputs) Build(
        ModelProto floatModel,
        QdqModel quantized,
        IReadOnlyList<QuantizedTensor> tensors)
    {
        var model = floatModel.Clone();
        var graph = model.Graph;
        var inputs = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        string Renamed(string name) => name.Length == 0 || inputs.Contains(name) ? name : Prefix + name;
        var copy = quantized.Model.Graph.Clone();
        Rename(copy, Renamed);
        graph.Initializer.AddRange(copy.Initializer);
        graph.Node.AddRange(copy.Node);
        graph.Output.Clear();

        var producers = StatisticsGraph.ProducerOrder(graph);
        var outputs = new List<Energies>();
        var nodes = new List<(int Order, NodeProto[] Nodes)>();
        for (var i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors[i];
            var id = "comparison." + i.ToString(CultureInfo.InvariantCulture);
            var x = tensor.Name;
            var y = Renamed(tensor.DequantizedName);
            var before = Renamed(tensor.PreQuantizeName!);
            var energies = new Energies(tensor.Name, id + ".signal", id + ".noise", id + ".local_signal", id + ".local_noise");
            var added = new List<NodeProto>
            {
                SumSquare(x, energies.Signal),
                Node("Sub", [x, y], id + ".difference"),
                SumSquare(id + ".difference", energies.Noise),
            };
            if (tensor.Fused is { } fused)
            {
                // The QDQ model's producer writes the value before the folded Relu/Clip; clip it as that node did.
                var low = id + ".low";
                var high = id + ".high";
                graph.Initializer.Add(Scalar(low, fused.Low));
                graph.Initializer.Add(Scalar(high, fused.High));
                // Max and Min rather than Clip, whose bounds are attributes before opset 11.
                added.Add(Node("Max", [before, low], id + ".raised"));
                added.Add(Node("Min", [id + ".raised", high], id + ".clipped"));
                before = id + ".clipped";
            }

            added.Add(SumSquare(before, energies.LocalSignal));
            added.Add(Node("Sub", [before, y], id + ".local_difference"));
            added.Add(SumSquare(id + ".local_difference", energies.LocalNoise));
            nodes.Add((producers.GetValueOrDefault(y, -1), [.. added]));
            outputs.Add(energies);
        }

        // Last-produced first, as in calibration: ONNX Runtime then runs each comparison right after its inputs exist.
        foreach (var (_, added) in nodes.OrderByDescending(n => n.Order))
        {
            graph.Node.AddRange(added);
        }

        foreach (var energies in outputs)
        {
            graph.Output.Add(new ValueInfoProto { Name = energies.Signal });
            graph.Output.Add(new ValueInfoProto { Name = energies.Noise });
            graph.Output.Add(new ValueInfoProto { Name = energies.LocalSignal });
            graph.Output.Add(new ValueInfoProto { Name = energies.LocalNoise });
        }

        return (model, outputs);
    }

    /// <summary>Renames every value and node of <paramref name="graph"/> and its subgraphs.</summary>
    private static void Rename(GraphProto graph, Func<string, string> rename)
    {
        foreach (var initializer in graph.Initializer)
        {
            initializer.Name = rename(initializer.Name);
        }

        foreach (var value in graph.Input.Concat(graph.Output).Concat(graph.ValueInfo))
        {
            value.Name = rename(value.Name);
        }

        foreach (var node in graph.Node)
        {
            node.Name = Prefix + node.Name;
            for (var i = 0; i < node.Input.Count; i++)
            {
                node.Input[i] = rename(node.Input[i]);
            }

            for (var i = 0; i < node.Output.Count; i++)
            {
                node.Output[i] = rename(node.Output[i]);
            }

            foreach (var attribute in node.Attribute)
            {
                foreach (var subgraph in attribute.G is null ? attribute.Graphs : attribute.Graphs.Append(attribute.G))
                {
                    Rename(subgraph, rename);
                }
            }
        }
    }

    private static NodeProto SumSquare(string input, string output) =>
        new()
        {
            OpType = "ReduceSumSquare",
            Name = output,
            Input = { input },
            Output = { output },
            Attribute = { OnnxAttributes.Int("keepdims", 0) }
        };

    private static NodeProto Node(string opType, string[] inputs, string output) =>
        new() { OpType = opType, Name = output, Input = { inputs }, Output = { output } };

    private static TensorProto Scalar(string name, double value)
    {
        return TensorProtoConversion.ToTensorProto(
            Tensors.Tensor.Create([(float)Math.Clamp(value, float.MinValue, float.MaxValue)], []),
            name);
    }
}
