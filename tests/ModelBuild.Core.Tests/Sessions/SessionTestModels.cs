using Google.Protobuf;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Tests.Sessions;

/// <summary>Builds tiny ONNX models for the tests with the ONNX protobuf types.</summary>
internal static class SessionTestModels
{
    /// <summary>A tensor input or output: dimensions are <c>long</c> (fixed) or <c>string</c> (symbolic).</summary>
    public static ValueInfoProto Value(string name, TensorElementType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                long value => new TensorShapeProto.Types.Dimension { DimValue = value },
                _ => throw new ArgumentException("Dimensions are int, long or string.", nameof(dims)),
            });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    public static NodeProto Node(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = opType + "_" + outputs[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static byte[] Build(
        IEnumerable<NodeProto> nodes,
        IEnumerable<ValueInfoProto> inputs,
        IEnumerable<ValueInfoProto> outputs,
        IEnumerable<TensorProto>? initializers = null,
        int opset = 17) =>
        BuildProto(nodes, inputs, outputs, initializers, opset).ToByteArray();

    public static ModelProto BuildProto(
        IEnumerable<NodeProto> nodes,
        IEnumerable<ValueInfoProto> inputs,
        IEnumerable<ValueInfoProto> outputs,
        IEnumerable<TensorProto>? initializers = null,
        int opset = 17)
    {
        var graph = new GraphProto { Name = "test" };
        graph.Node.AddRange(nodes);
        graph.Input.AddRange(inputs);
        graph.Output.AddRange(outputs);
        if (initializers is not null)
        {
            graph.Initializer.AddRange(initializers);
        }

        var model = new ModelProto { IrVersion = 8, ProducerName = "ModelBuild.Imaging.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    /// <summary>y = Identity(x) for one element type and shape.</summary>
    public static byte[] Identity(TensorElementType type, params object[] dims) =>
        Build([Node("Identity", ["x"], ["y"])], [Value("x", type, dims)], [Value("y", type, dims)]);

    /// <summary>y = Relu(x), x: float[batch, 4].</summary>
    public static byte[] Relu() =>
        Build(
            [Node("Relu", ["x"], ["y"])],
            [Value("x", TensorElementType.Float, "batch", 4)],
            [Value("y", TensorElementType.Float, "batch", 4)]);

    /// <summary>
    /// Two inputs, three outputs of different types and ranks, so that swapped or shifted API functions
    /// (input/output counts, names, types, dimension counts) give visibly wrong answers:
    /// a: float[N,3], b: int64[2] → sum = a+a (float[N,3]), shape = Shape(a) (int64[2]), cast = Cast(b→float) (float[2]).
    /// </summary>
    public static byte[] TwoInThreeOut() =>
        Build(
            [
                Node("Add", ["a", "a"], ["sum"]),
                Node("Shape", ["a"], ["shape"]),
                Node("Cast", ["b"], ["cast"], IntAttribute("to", (long)TensorElementType.Float)),
            ],
            [Value("a", TensorElementType.Float, "N", 3), Value("b", TensorElementType.Int64, 2)],
            [Value("sum", TensorElementType.Float, "N", 3), Value("shape", TensorElementType.Int64, 2), Value(
                "cast",
                TensorElementType.Float,
                2)]);

    /// <summary>A tensor input or output whose type declares no shape at all.</summary>
    public static ValueInfoProto ShapelessValue(string name, TensorElementType type) =>
        new() { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type } } };

    /// <summary>y = SequenceConstruct(x): an output that is a sequence, not a tensor.</summary>
    public static byte[] SequenceOutput()
    {
        var sequence = new ValueInfoProto
        {
            Name = "y",
            Type = new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = Value("e", TensorElementType.Float, 2).Type } },
        };
        return Build(
            [Node("SequenceConstruct", ["x"], ["y"]), Node("Identity", ["x"], ["z"])],
            [Value("x", TensorElementType.Float, 2)],
            [sequence, Value("z", TensorElementType.Float, 2)]);
    }

    /// <summary>
    /// y = Loop(x) with a trip count of long.MaxValue and a body that negates its value: a run that only
    /// ends when it is cancelled.
    /// </summary>
    public static byte[] EndlessLoop()
    {
        var body = new GraphProto { Name = "body" };
        body.Input.Add(Value("i", TensorElementType.Int64));
        body.Input.Add(Value("cond_in", TensorElementType.Bool));
        body.Input.Add(Value("v_in", TensorElementType.Float, 1));
        body.Node.Add(Node("Identity", ["cond_in"], ["cond_out"]));
        body.Node.Add(Node("Neg", ["v_in"], ["v_out"]));
        body.Output.Add(Value("cond_out", TensorElementType.Bool));
        body.Output.Add(Value("v_out", TensorElementType.Float, 1));

        var tripCount = new TensorProto { Name = "max", DataType = (int)TensorElementType.Int64, Int64Data = { long.MaxValue } };
        var keepGoing = new TensorProto { Name = "true", DataType = (int)TensorElementType.Bool, Int32Data = { 1 } };
        var loop = Node(
            "Loop",
            ["max", "true", "x"],
            ["y"],
            new AttributeProto { Name = "body", Type = AttributeProto.Types.AttributeType.Graph, G = body });
        return Build([loop], [Value("x", TensorElementType.Float, 1)], [Value("y", TensorElementType.Float, 1)], [tripCount, keepGoing]);
    }
}
