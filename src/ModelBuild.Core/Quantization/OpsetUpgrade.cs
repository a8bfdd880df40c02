using System.Globalization;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Quantization;

/// <summary>
/// Raises a model's default operator set (opset 7 or later) to a newer one, rewriting the operators whose
/// signature or meaning changed on the way: attributes that became inputs (Slice and TopK at 10; Clip and Pad
/// at 11; Squeeze, Unsqueeze, Split and ReduceSum at 13), Dropout's ratio (12), operators that were replaced
/// (Upsample and the opset-10 Resize become an asymmetric Resize, Scatter becomes ScatterElements) and Softmax,
/// LogSoftmax and Hardmax, whose axis stopped flattening the input at 13. Every other operator of the default
/// domain only gained types along the way and is kept as is.
/// </summary>
internal sealed class OpsetUpgrade
{
    private static readonly HashSet<string> RemovedExperimental = new(StringComparer.Ordinal)
    {
        "ATen", "Affine", "ConstantFill", "Crop", "DynamicSlice", "GRUUnit", "GivenTensorFill", "ImageScaler", "ParametricSoftplus",
        "Scale", "ScaledTanh",
    };

    private readonly long _from;
    private readonly long _to;
    private readonly HashSet<string> _names;
    private readonly List<TensorProto> _initializers = [];
    private GraphValueTypes? _types;

    private OpsetUpgrade(ModelProto model, long from, long to)
    {
        _from = from;
        _to = to;
        _names = new HashSet<string>(StringComparer.Ordinal);
        _names.UnionWith(model.Graph.Node.SelectMany(n => n.Input.Concat(n.Output)));
        _names.UnionWith(model.Graph.Node.Select(n => n.Name));
        _names.UnionWith(model.Graph.Initializer.Select(i => i.Name));
        _names.UnionWith(model.Graph.Input.Select(i => i.Name));
    }

    /// <summary>A copy of <paramref name="model"/> importing the default opset at <paramref name="target"/> (at most 13).</summary>
    /// <exception cref="DiagnosticException">A node has no known upgrade (MB8150).</exception>
    public static ModelProto Apply(ModelProto model, long target)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(target, 13);
        var copy = model.Clone();
        var from = QuantizationPreprocessor.DefaultOpset(copy);
        if (from >= target)
        {
            return copy;
        }

        var upgrade = new OpsetUpgrade(copy, from, target);
        if (from < 7)
        {
            var first = copy.Graph.Node.FirstOrDefault() ?? new NodeProto { Name = "(none)", OpType = "(none)" };
            throw upgrade.Refuse(first, "models older than opset 7 broadcast differently (the 'broadcast' attribute)");
        }

        if (upgrade.Crosses(13) && copy.Graph.Node.Any(n => n.OpType is "Softmax" or "LogSoftmax" or "Hardmax"))
        {
            // Their rewrite depends on the input's rank, which ONNX Runtime infers on the model as it is.
            upgrade._types = GraphValueTypes.Infer(model);
        }

        upgrade.Rewrite(copy.Graph);
        copy.Graph.Initializer.AddRange(upgrade._initializers);
        var opset = copy.OpsetImport.First(o => o.Domain is "" or "ai.onnx");
        opset.Version = target;
        if (copy.IrVersion < 7)
        {
            // Opset 13 needs IR version 7.
            copy.IrVersion = 7;
        }

        return copy;
    }

    private bool Crosses(long version) => _from < version && version <= _to;

    private void Rewrite(GraphProto graph)
    {
        var nodes = graph.Node.ToList();
        graph.Node.Clear();
        foreach (var node in nodes)
        {
            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is { } subgraph)
                {
                    Rewrite(subgraph);
                }

                foreach (var inner in attribute.Graphs)
                {
                    Rewrite(inner);
                }
            }

            graph.Node.AddRange(node.Domain is "" or "ai.onnx" ? Upgrade(node) : [node]);
        }
    }

    private IEnumerable<NodeProto> Upgrade(NodeProto node)
    {
        if (RemovedExperimental.Contains(node.OpType))
        {
            throw Refuse(node, "the operator was removed from ONNX at opset 10");
        }

        switch (node.OpType)
        {
            case "Slice" when Crosses(10):
                AttributesToInputs(node, ("starts", 1), ("ends", 2), ("axes", 3));
                break;
            case "TopK" when Crosses(10):
                AttributesToInputs(node, ("k", 1));
                break;
            case "Upsample" when _to >= 10:
                return [ToAsymmetricResize(node)];
            case "Resize" when Crosses(11):
                return [ToAsymmetricResize(node)];
            case "Scatter" when Crosses(11):
                node.OpType = "ScatterElements";
                break;
            case "Clip" when Crosses(11):
                ClipBoundsToInputs(node);
                break;
            case "Pad" when Crosses(11):
                PadAttributesToInputs(node);
                break;
            case "Dropout" when Crosses(12):
                // Inference ignores the ratio; the attribute no longer exists.
                RemoveAttributes(node, "ratio", "is_test");
                break;
            case "Squeeze" or "Unsqueeze" or "ReduceSum" when Crosses(13):
                AttributesToInputs(node, ("axes", 1));
                break;
            case "Split" when Crosses(13):
                AttributesToInputs(node, ("split", 1));
                break;
            case "Softmax" or "LogSoftmax" or "Hardmax" when Crosses(13):
                return SoftmaxOnLastAxis(node);
            case "BatchNormalization":
                if (node.Attribute.FirstOrDefault(a => a.Name == "spatial") is { I: 0 })
                {
                    throw Refuse(node, "spatial = 0 (per-element statistics) has no form in newer opsets");
                }

                RemoveAttributes(node, "spatial", "is_test", "consumed_inputs");
                break;
        }

        return [node];
    }

    /// <summary>Moves int64 list attributes to inputs at the given positions, leaving absent ones as empty inputs.</summary>
    private void AttributesToInputs(NodeProto node, params (string Attribute, int Position)[] moves)
    {
        foreach (var (attributeName, position) in moves)
        {
            var attribute = node.Attribute.FirstOrDefault(a => a.Name == attributeName);
            if (attribute is null)
            {
                continue;
            }

            long[] values = attribute.Type == AttributeProto.Types.AttributeType.Int ? [attribute.I] : [.. attribute.Ints];
            var name = AddInitializer(node, attributeName, RawTensor.Create(string.Empty, values, [values.Length]));
            SetInput(node, position, name);
            node.Attribute.Remove(attribute);
        }
    }

    private void ClipBoundsToInputs(NodeProto node)
    {
        foreach (var (attributeName, position) in new[] { ("min", 1), ("max", 2) })
        {
            if (node.Attribute.FirstOrDefault(a => a.Name == attributeName) is { } attribute)
            {
                SetInput(node, position, AddInitializer(node, attributeName, RawTensor.Create(string.Empty, [attribute.F], [])));
                node.Attribute.Remove(attribute);
            }
        }
    }

    private void PadAttributesToInputs(NodeProto node)
    {
        var pads = node.Attribute.FirstOrDefault(a => a.Name is "pads" or "paddings");
        if (pads is null)
        {
            throw Refuse(node, "it has no 'pads' attribute");
        }

        SetInput(node, 1, AddInitializer(node, "pads", RawTensor.Create(string.Empty, pads.Ints.ToArray(), [pads.Ints.Count])));
        node.Attribute.Remove(pads);
        if (node.Attribute.FirstOrDefault(a => a.Name == "value") is { } value)
        {
            // A zero constant is the default for every type; any other is written as float, the type such pads almost always have.
            if (value.F != 0f)
            {
                SetInput(node, 2, AddInitializer(node, "constant_value", RawTensor.Create(string.Empty, [value.F], [])));
            }

            node.Attribute.Remove(value);
        }
    }

    /// <summary>
    /// Upsample and the opset-10 Resize scale with output pixel i reading input pixel i / scale: that is Resize
    /// with asymmetric coordinates and, for nearest, the floor of the source position.
    /// </summary>
    private NodeProto ToAsymmetricResize(NodeProto node)
    {
        var mode = node.Attribute.FirstOrDefault(a => a.Name == "mode")?.S.ToStringUtf8() ?? "nearest";
        string scales;
        if (node.Input.Count > 1 && node.Input[1].Length > 0)
        {
            scales = node.Input[1];
        }
        else if (node.Attribute.FirstOrDefault(a => a.Name == "scales") is { } attribute)
        {
            scales = AddInitializer(node, "scales", RawTensor.Create(string.Empty, attribute.Floats.ToArray(), [attribute.Floats.Count]));
        }
        else
        {
            throw Refuse(node, "it has no scales");
        }

        var resize = new NodeProto
        {
            OpType = "Resize",
            Name = node.Name,
            Domain = node.Domain,
            Input = { node.Input[0], string.Empty, scales },
            Output = { node.Output }
        };
        resize.Attribute.Add(OnnxAttributes.String("mode", mode == "bilinear" ? "linear" : mode));
        resize.Attribute.Add(OnnxAttributes.String("coordinate_transformation_mode", "asymmetric"));
        if (mode == "nearest")
        {
            resize.Attribute.Add(OnnxAttributes.String("nearest_mode", "floor"));
        }

        return resize;
    }

    /// <summary>
    /// Before opset 13 these operators flatten the input to 2-D at <c>axis</c> (default 1) and work on the second
    /// dimension; from 13 they work on <c>axis</c> alone (default −1). The same when the axis is the last one;
    /// otherwise the old meaning is spelled out: Flatten, the operator on axis 1, Reshape back.
    /// </summary>
    private IEnumerable<NodeProto> SoftmaxOnLastAxis(NodeProto node)
    {
        var axisAttribute = node.Attribute.FirstOrDefault(a => a.Name == "axis");
        var axis = axisAttribute?.I ?? 1;
        node.Attribute.Remove(axisAttribute);
        if (_types?.Find(node.Input[0]) is { HasShape: true } info)
        {
            var rank = info.Shape.Count;
            var normalized = axis < 0 ? axis + rank : axis;
            // Only 1s after the axis: the flattened second dimension is the axis itself.
            if (info.Shape.Skip((int)normalized + 1).All(d => d == 1))
            {
                node.Attribute.Add(OnnxAttributes.Int("axis", normalized));
                return [node];
            }

            axis = normalized;
        }
        else if (axis < 0)
        {
            throw Refuse(node, "its axis counts from the end of an input of unknown rank");
        }

        // The general form holds for any rank.
        var flat = Unique(node.Name + "_flattened");
        var result = Unique(node.Name + "_2d");
        var shape = Unique(node.Name + "_shape");
        var flatten = new NodeProto
        {
            OpType = "Flatten",
            Name = Unique(node.Name + "_Flatten"),
            Input = { node.Input[0] },
            Output = { flat },
            Attribute = { OnnxAttributes.Int("axis", axis) }
        };
        var shapeOf = new NodeProto
        {
            OpType = "Shape",
            Name = Unique(node.Name + "_Shape"),
            Input = { node.Input[0] },
            Output = { shape }
        };
        var output = node.Output[0];
        node.Input[0] = flat;
        node.Output[0] = result;
        node.Attribute.Add(OnnxAttributes.Int("axis", 1));
        var reshape = new NodeProto
        {
            OpType = "Reshape",
            Name = Unique(node.Name + "_Reshape"),
            Input = { result, shape },
            Output = { output }
        };
        return [flatten, shapeOf, node, reshape];
    }

    private static void RemoveAttributes(NodeProto node, params string[] names)
    {
        foreach (var attribute in node.Attribute.Where(a => names.Contains(a.Name)).ToList())
        {
            node.Attribute.Remove(attribute);
        }
    }

    private static void SetInput(NodeProto node, int position, string name)
    {
        while (node.Input.Count <= position)
        {
            node.Input.Add(string.Empty);
        }

        node.Input[position] = name;
    }

    private string AddInitializer(NodeProto node, string what, TensorProto tensor)
    {
        tensor.Name = Unique((node.Name.Length > 0 ? node.Name : node.OpType) + "_" + what);
        _initializers.Add(tensor);
        return tensor.Name;
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

    private DiagnosticException Refuse(NodeProto node, string why) =>
        new(QuantizationDiagnostics.OpsetUpgradeImpossible
            .Create(null, _from, node.Name.Length > 0 ? node.Name : "(unnamed)", node.OpType, why));
}
