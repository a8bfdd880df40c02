using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Onnx;

/// <summary>
/// Builds ONNX models in code, one fluent call per input, weight, node and output:
/// <code>
/// var model = new OnnxGraphBuilder("net")
///     .Input("x", DataType.Float, "batch", 3, 8, 8)
///     .Initializer("w", weights, 4, 3, 3, 3)
///     .Node("Conv", ["x", "w"], ["y"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
///     .Output("y", DataType.Float, "batch", 4, 8, 8)
///     .Build();
/// </code>
/// Unless told otherwise the model has IR version <see cref="DefaultIrVersion"/> and imports the
/// default operator set at version <see cref="DefaultOpsetVersion"/>.
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>IR version 8 (ONNX 1.10+): read by every ONNX Runtime and onnx checker still in use.</summary>
    public const long DefaultIrVersion = 8;

    /// <summary>Opset 17 (ONNX 1.12): supported by ONNX Runtime 1.13 and later.</summary>
    public const long DefaultOpsetVersion = 17;

    private readonly ModelProto _model;

    public OnnxGraphBuilder(string graphName = "graph")
    {
        _model = new ModelProto
        {
            IrVersion = DefaultIrVersion,
            ProducerName = "ModelBuild",
            Graph = new GraphProto { Name = graphName },
        };
    }

    private GraphProto Graph => _model.Graph;

    public OnnxGraphBuilder IrVersion(long version)
    {
        _model.IrVersion = version;
        return this;
    }

    /// <summary>Imports operator set <paramref name="domain"/> (empty: the default <c>ai.onnx</c>) at <paramref name="version"/>.</summary>
    public OnnxGraphBuilder Opset(long version, string domain = "")
    {
        var existing = _model.OpsetImport.FirstOrDefault(o => o.Domain == domain);
        if (existing is not null)
        {
            existing.Version = version;
        }
        else
        {
            _model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        }

        return this;
    }

    public OnnxGraphBuilder Producer(string name, string version)
    {
        _model.ProducerName = name;
        _model.ProducerVersion = version;
        return this;
    }

    /// <summary>A tensor input; no dimensions means a scalar.</summary>
    public OnnxGraphBuilder Input(string name, TensorProto.Types.DataType elementType, params OnnxDimension[] dims)
    {
        Graph.Input.Add(TensorValue(name, elementType, OnnxShape.Of(dims)));
        return this;
    }

    /// <summary>A tensor input of unknown rank.</summary>
    public OnnxGraphBuilder InputOfUnknownRank(string name, TensorProto.Types.DataType elementType)
    {
        Graph.Input.Add(TensorValue(name, elementType, null));
        return this;
    }

    /// <summary>A tensor output; no dimensions means a scalar.</summary>
    public OnnxGraphBuilder Output(string name, TensorProto.Types.DataType elementType, params OnnxDimension[] dims)
    {
        Graph.Output.Add(TensorValue(name, elementType, OnnxShape.Of(dims)));
        return this;
    }

    /// <summary>A tensor output of unknown rank.</summary>
    public OnnxGraphBuilder OutputOfUnknownRank(string name, TensorProto.Types.DataType elementType)
    {
        Graph.Output.Add(TensorValue(name, elementType, null));
        return this;
    }

    /// <summary>Declares the type of an intermediate value (<c>value_info</c>).</summary>
    public OnnxGraphBuilder ValueInfo(string name, TensorProto.Types.DataType elementType, params OnnxDimension[] dims)
    {
        Graph.ValueInfo.Add(TensorValue(name, elementType, OnnxShape.Of(dims)));
        return this;
    }

    /// <summary>A float weight of shape <paramref name="dims"/>; the value count must match the shape.</summary>
    public OnnxGraphBuilder Initializer(string name, ReadOnlySpan<float> values, params long[] dims) =>
        Initializer(RawTensor.Create(name, values, dims));

    /// <summary>An int64 weight of shape <paramref name="dims"/>; the value count must match the shape.</summary>
    public OnnxGraphBuilder Initializer(string name, ReadOnlySpan<long> values, params long[] dims) =>
        Initializer(RawTensor.Create(name, values, dims));

    public OnnxGraphBuilder Initializer(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>
    /// A node of the default domain, named <c>OpType_N</c> after its position so diagnostics can
    /// point at it. An empty input name leaves an optional input out.
    /// </summary>
    public OnnxGraphBuilder Node(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{Graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return Node(node);
    }

    /// <summary>A node as given, for a name or domain of one's own.</summary>
    public OnnxGraphBuilder Node(NodeProto node)
    {
        ArgumentNullException.ThrowIfNull(node);
        Graph.Node.Add(node);
        return this;
    }

    /// <summary>
    /// The model, checked by <see cref="OnnxModelValidator"/>; a structural mistake throws
    /// <see cref="InvalidOperationException"/> listing every problem. The builder can go on
    /// and build again.
    /// </summary>
    public ModelProto Build()
    {
        var model = BuildUnvalidated();
        var problems = OnnxModelValidator.Validate(model);
        return problems.Count == 0
            ? model
            : throw new InvalidOperationException(
                "The model built is not valid:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    /// <summary>The model as described, valid or not (for tests of what rejects broken models).</summary>
    public ModelProto BuildUnvalidated()
    {
        var model = _model.Clone();
        if (model.OpsetImport.Count == 0)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = DefaultOpsetVersion });
        }

        return model;
    }

    private static ValueInfoProto TensorValue(string name, TensorProto.Types.DataType elementType, OnnxShape? shape)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)elementType };
        if (shape is not null)
        {
            tensor.Shape = shape.ToProto();
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }
}
