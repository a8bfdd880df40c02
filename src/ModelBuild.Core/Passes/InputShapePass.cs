using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Passes;

/// <summary>
/// Gives model inputs fixed shapes, typically to pin a dynamic batch or image size. The requested
/// shape must keep the input's rank and every dimension the model already fixes, so it only
/// narrows what the model accepts.
/// </summary>
/// <remarks>
/// Only the inputs change. Because the new shapes only narrow the old ones, every fixed dimension
/// the model states elsewhere (outputs, <c>value_info</c>) stays true. Dimension variables there
/// (<c>batch</c>) are left alone even though ONNX says one name means one value model-wide:
/// exporters reuse names loosely, and a name turned into a wrong fixed size breaks shape
/// inference, while a symbolic one that is now narrower is merely refined by it.
/// <c>value_info</c> entries that restate an overridden input are removed.
/// </remarks>
public sealed class InputShapePass : IModelPass
{
    private readonly ImmutableArray<InputShapeOverride> _overrides;

    public InputShapePass(IEnumerable<InputShapeOverride> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        _overrides = [.. overrides];
        if (_overrides.Any(o => o.Shape.IsDefault))
        {
            throw new ArgumentException("Every override needs a shape.", nameof(overrides));
        }
    }

    public string Name => "input_shapes";

    /// <summary>The shapes this pass gives, in the order they were requested.</summary>
    public IReadOnlyList<InputShapeOverride> Overrides => _overrides;

    public JsonObject DescribeOptions() => new()
    {
        ["inputs"] = new JsonArray([.. _overrides.Select(o => (JsonNode)new JsonObject
        {
            ["name"] = o.InputName,
            ["shape"] = new JsonArray([.. o.Shape.Select(d => (JsonNode)JsonValue.Create(d))]),
        })]),
    };

    /// <summary>
    /// A copy of <paramref name="model"/> with the new input shapes, or null when any request is
    /// wrong (each problem is added to <paramref name="diagnostics"/>). The model itself is not changed.
    /// </summary>
    public ModelProto? Apply(ModelProto model, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var signature = OnnxModelSignature.FromModel(model);
        var accepted = new List<(InputShapeOverride Request, OnnxShape Shape)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var failed = false;
        foreach (var request in _overrides)
        {
            if (!seen.Add(request.InputName))
            {
                diagnostics.Add(PassDiagnostics.InputShapeGivenTwice, request.Location, request.InputName);
                failed = true;
            }
            else if (Check(request, signature, diagnostics) is { } shape)
            {
                accepted.Add((request, shape));
            }
            else
            {
                failed = true;
            }
        }

        if (failed)
        {
            return null;
        }

        var result = model.Clone();
        var graph = result.Graph;
        foreach (var (request, shape) in accepted)
        {
            var input = graph.Input.First(i => i.Name == request.InputName);
            var tensor = input.Type.TensorType;
            var denotations = tensor.Shape?.Dim.Count == shape.Rank ? tensor.Shape.Dim.Select(d => d.Denotation).ToList() : null;
            var newShape = new TensorShapeProto();
            newShape.Dim.AddRange(shape.Dimensions.Select((d, axis) => d.ToProto(denotations?[axis])));
            tensor.Shape = newShape;
            RemoveAll(graph.ValueInfo, v => v.Name == request.InputName);
        }

        return result;
    }

    /// <summary>The input's new shape, or null after reporting why the request cannot be met.</summary>
    private static OnnxShape? Check(InputShapeOverride request, OnnxModelSignature signature, DiagnosticBag diagnostics)
    {
        var requestedText = "[" + string.Join(", ", request.Shape) + "]";
        var input = signature.FindInput(request.InputName);
        if (input is null)
        {
            var suggestion = NameSuggestion.Closest(request.InputName, signature.InputNames);
            diagnostics.Add(
                PassDiagnostics.UnknownInput,
                request.Location,
                request.InputName,
                suggestion is null ? "" : $" Did you mean '{suggestion}'?",
                signature.Inputs.IsEmpty ? "none" : string.Join(", ", signature.InputNames.Select(n => $"'{n}'")));
            return null;
        }

        for (var axis = 0; axis < request.Shape.Length; axis++)
        {
            if (request.Shape[axis] <= 0)
            {
                diagnostics.Add(
                    PassDiagnostics.NonPositiveDimension,
                    request.Location,
                    request.InputName,
                    requestedText,
                    request.Shape[axis],
                    axis);
                return null;
            }
        }

        var requested = new OnnxShape(request.Shape.Select(OnnxDimension.Fixed));
        if (input.Kind != OnnxValueKind.Tensor)
        {
            diagnostics.Add(PassDiagnostics.InputIsNotATensor, request.Location, request.InputName, OnnxValueKinds.Name(input.Kind));
            return null;
        }

        // A model that states no rank accepts any.
        if (input.Shape is not { } current)
        {
            return requested;
        }

        if (current.Rank != requested.Rank)
        {
            diagnostics.Add(
                PassDiagnostics.ShapeRankMismatch,
                request.Location,
                request.InputName,
                current,
                current.Rank,
                requestedText,
                requested.Rank);
            return null;
        }

        for (var axis = 0; axis < current.Rank; axis++)
        {
            if (current[axis].Value is { } fixedSize && fixedSize != request.Shape[axis])
            {
                diagnostics.Add(
                    PassDiagnostics.FixedDimensionConflict,
                    request.Location,
                    request.InputName,
                    current,
                    axis,
                    fixedSize,
                    requestedText,
                    request.Shape[axis]);
                return null;
            }
        }

        return requested;
    }

    private static void RemoveAll<T>(Google.Protobuf.Collections.RepeatedField<T> items, Func<T, bool> match)
        => GraphEdits.RemoveAll(items, match);
}
