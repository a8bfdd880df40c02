using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Passes;

/// <summary>
/// The preprocessing to bake in front of one input. <paramref name="ChannelFlip"/> names the encodings
/// when the channel order is reversed (from what the model was trained on, to what it is fed);
/// <paramref name="Mean"/> and <paramref name="Scale"/> hold one value per channel in the model's
/// training order, or one value for every element; empty means none.
/// </summary>
public sealed record InputPreprocessing(
    string InputName,
    string? Layout,
    (string From, string To)? ChannelFlip,
    ImmutableArray<double> Mean,
    ImmutableArray<double> Scale,
    SourceLocation? Location = null);

/// <summary>
/// Bakes image preprocessing into the model, as ModelConverter does for targets that need it: in front
/// of the input's readers, the channel order is reversed when the encoding flips (a <c>Gather</c> of
/// channels 2, 1, 0), then the mean is subtracted (in the model's channel order) and the result is
/// multiplied by 1/scale. The compiled model then takes raw pixels in the fed encoding.
/// </summary>
public sealed class PreprocessingPass : IModelPass
{
    private readonly ImmutableArray<InputPreprocessing> _inputs;

    public PreprocessingPass(IEnumerable<InputPreprocessing> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        _inputs = [.. inputs];
    }

    public string Name => "preprocessing";

    public JsonObject DescribeOptions() => new()
    {
        ["inputs"] = new JsonArray([.. _inputs.Select(i => (JsonNode)new JsonObject
        {
            ["name"] = i.InputName,
            ["layout"] = i.Layout,
            ["flip"] = i.ChannelFlip is { } flip ? $"{flip.To}->{flip.From}" : null,
            ["mean"] = new JsonArray([.. i.Mean.Select(v => (JsonNode)JsonValue.Create(v))]),
            ["scale"] = new JsonArray([.. i.Scale.Select(v => (JsonNode)JsonValue.Create(v))]),
        })]),
    };

    public ModelProto? Apply(ModelProto model, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var result = model.Clone();
        var names = ValueNames.Of(result);
        var failed = false;
        foreach (var request in _inputs)
        {
            var input = InputLookup.Find(result, request.InputName, request.Location, diagnostics);
            if (input is null || Bake(result.Graph, input, request, names, diagnostics) is false)
            {
                failed = true;
            }
        }

        return failed ? null : result;
    }

    /// <summary>Inserts the nodes for one input; false after reporting why it cannot.</summary>
    private static bool Bake(
        GraphProto graph,
        ValueInfoProto input,
        InputPreprocessing request,
        ValueNames names,
        DiagnosticBag diagnostics)
    {
        var name = request.InputName;
        var elementType = InputLookup.ElementType(input);
        if (elementType is not (TensorElementType.Float or TensorElementType.Float16 or TensorElementType.Double))
        {
            diagnostics.Add(PassDiagnostics.PreprocessingNeedsFloatInput, request.Location, name, OnnxElementType.Name(elementType));
            return false;
        }

        var shape = InputLookup.Shape(input);
        var axis = request.Layout is { } layout && shape is not null && layout.Length == shape.Rank
            ? layout.IndexOf('C', StringComparison.Ordinal)
            : -1;
        var channels = axis >= 0 ? shape![axis].Value : null;
        var shapeText = shape?.ToString() ?? "of unknown rank";
        var layoutText = request.Layout ?? "(none)";
        if (request.ChannelFlip is { } flip && channels != 3)
        {
            if (axis < 0)
            {
                diagnostics.Add(PassDiagnostics.NoChannelAxis, request.Location, name, layoutText, shapeText);
            }
            else
            {
                diagnostics.Add(
                    PassDiagnostics.ChannelFlipNeedsThreeChannels,
                    request.Location,
                    name,
                    channels?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "an unknown number of",
                    axis,
                    shapeText,
                    layoutText,
                    flip.From,
                    flip.To);
            }

            return false;
        }

        if ((request.Mean.Length > 1 || request.Scale.Length > 1) && channels is null)
        {
            diagnostics.Add(PassDiagnostics.NoChannelAxis, request.Location, name, layoutText, shapeText);
            return false;
        }

        if (request.Scale.IndexOf(0) is var zeroAt and >= 0)
        {
            diagnostics.Add(PassDiagnostics.ZeroScale, request.Location, name, zeroAt);
            return false;
        }

        var nodes = new List<NodeProto>();
        var current = name;
        if (request.ChannelFlip is not null)
        {
            var order = names.Fresh($"{name}_channel_order");
            graph.Initializer.Add(RawTensorOf(order, [2L, 1, 0], [3]));
            current = Add(nodes, names, "Gather", name, "flipped", current, order, OnnxAttributes.Int("axis", axis));
        }

        if (request.Mean.Any(v => v != 0))
        {
            var mean = names.Fresh($"{name}_mean");
            graph.Initializer.Add(ChannelConstant(mean, elementType, request.Mean, axis, shape?.Rank ?? 0));
            current = Add(nodes, names, "Sub", name, "centered", current, mean);
        }

        if (request.Scale.Any(v => v != 1))
        {
            var scale = names.Fresh($"{name}_inv_scale");
            graph.Initializer.Add(ChannelConstant(scale, elementType, [.. request.Scale.Select(s => 1 / s)], axis, shape?.Rank ?? 0));
            current = Add(nodes, names, "Mul", name, "normalized", current, scale);
        }

        if (nodes.Count == 0)
        {
            return true;
        }

        GraphEdits.RenameReads(graph, name, current);
        for (var i = nodes.Count - 1; i >= 0; i--)
        {
            graph.Node.Insert(0, nodes[i]);
        }

        return true;
    }

    private static string Add(
        List<NodeProto> nodes,
        ValueNames names,
        string opType,
        string input,
        string step,
        string current,
        string constant,
        params AttributeProto[] attributes)
    {
        var output = names.Fresh($"{input}_{step}");
        nodes.Add(GraphEdits.Node(opType, names.Fresh($"{input}_{step}_{opType}"), [current, constant], [output], attributes));
        return output;
    }

    /// <summary>One value per channel shaped to broadcast along <paramref name="axis"/> (<c>[1, C, 1, 1]</c> for NCHW), or a
    /// scalar.</summary>
    private static TensorProto ChannelConstant(string name, TensorElementType type, IReadOnlyList<double> values, int axis, int rank)
    {
        long[] dims = values.Count == 1 ? [] : [.. Enumerable.Range(0, rank).Select(i => i == axis ? (long)values.Count : 1L)];
        var tensor = type switch
        {
            TensorElementType.Float16 => Tensor.Create(values.Select(v => (Half)v).ToArray(), dims),
            TensorElementType.Double => Tensor.Create(values.ToArray(), dims),
            _ => Tensor.Create(values.Select(v => (float)v).ToArray(), dims),
        };
        return TensorProtoConversion.ToTensorProto(tensor, name);
    }

    private static TensorProto RawTensorOf(string name, long[] values, long[] dims) =>
        TensorProtoConversion.ToTensorProto(Tensor.Create(values, dims), name);
}
