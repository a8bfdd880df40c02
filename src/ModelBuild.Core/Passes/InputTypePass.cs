using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Passes;

/// <summary>An element type asked for one model input (the manifest's <c>data_type</c>).</summary>
public sealed record InputTypeOverride(string InputName, TensorElementType ElementType, SourceLocation? Location = null);

/// <summary>
/// Changes the element type a model input is fed with, e.g. <c>uint8</c> pixels for a <c>float</c> input:
/// the input takes the new type and a <c>Cast</c> back to the model's own type is put in front of its readers,
/// so everything behind the input sees exactly what it saw before.
/// </summary>
public sealed class InputTypePass : IModelPass
{
    /// <summary>The types ONNX's Cast converts between: every number type and bool.</summary>
    private static readonly FrozenSet<TensorElementType> Castable = new[]
    {
        TensorElementType.Float, TensorElementType.UInt8, TensorElementType.Int8,
        TensorElementType.UInt16, TensorElementType.Int16, TensorElementType.Int32,
        TensorElementType.Int64, TensorElementType.Bool, TensorElementType.Float16,
        TensorElementType.Double, TensorElementType.UInt32, TensorElementType.UInt64,
        TensorElementType.BFloat16,
    }.ToFrozenSet();

    private readonly ImmutableArray<InputTypeOverride> _overrides;

    public InputTypePass(IEnumerable<InputTypeOverride> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        _overrides = [.. overrides];
    }

    public string Name => "input_types";

    public JsonObject DescribeOptions() => new()
    {
        ["inputs"] = new JsonArray([.. _overrides.Select(o => (JsonNode)new JsonObject
        {
            ["name"] = o.InputName,
            ["data_type"] = OnnxElementType.Name(o.ElementType),
        })]),
    };

    public ModelProto? Apply(ModelProto model, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var result = model.Clone();
        var names = ValueNames.Of(result);
        var failed = false;
        foreach (var request in _overrides)
        {
            var input = InputLookup.Find(result, request.InputName, request.Location, diagnostics);
            if (input is null)
            {
                failed = true;
                continue;
            }

            var original = InputLookup.ElementType(input);
            if (original == request.ElementType)
            {
                continue;
            }

            var reason = original == TensorElementType.Undefined ? "it is not a tensor"
                : !Castable.Contains(original) ? $"the model's input is {OnnxElementType.Name(original)}, which a Cast cannot produce"
                : !Castable.Contains(request.ElementType) ? "a Cast cannot convert from it"
                : null;
            if (reason is not null)
            {
                diagnostics.Add(
                    PassDiagnostics.InputTypeNotConvertible,
                    request.Location,
                    request.InputName,
                    OnnxElementType.Name(request.ElementType),
                    reason);
                failed = true;
                continue;
            }

            var graph = result.Graph;
            var converted = names.Fresh($"{request.InputName}_as_{OnnxElementType.Name(original)}");
            var cast = GraphEdits.Node(
                "Cast",
                names.Fresh($"{request.InputName}_cast"),
                [request.InputName],
                [converted],
                OnnxAttributes.Int("to", OnnxElementType.ToProto(original)));
            GraphEdits.RenameReads(graph, request.InputName, converted);
            graph.Node.Insert(0, cast);
            graph.ValueInfo.Add(GraphEdits.TensorValue(converted, original, input.Type.TensorType.Shape));
            input.Type.TensorType.ElemType = OnnxElementType.ToProto(request.ElementType);
        }

        return failed ? null : result;
    }
}
