using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Passes;

/// <summary>
/// A constant to feed one input with (the manifest's <c>frozen_value</c>): one value for every element,
/// or one per element in C order.
/// </summary>
public sealed record FrozenInput(string InputName, ImmutableArray<double> Values, SourceLocation? Location = null);

/// <summary>
/// Freezes inputs: each becomes an initializer holding its frozen value and leaves the graph's inputs,
/// so callers no longer feed it. The input needs a fixed shape, and every value must be one its
/// element type can hold exactly (0.5 is no int64, 300 no uint8, 2 no bool).
/// </summary>
public sealed class FrozenInputPass : IModelPass
{
    private readonly ImmutableArray<FrozenInput> _inputs;

    public FrozenInputPass(IEnumerable<FrozenInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        _inputs = [.. inputs];
    }

    public string Name => "frozen_inputs";

    public JsonObject DescribeOptions() => new()
    {
        ["inputs"] = new JsonArray([.. _inputs.Select(i => (JsonNode)new JsonObject
        {
            ["name"] = i.InputName,
            ["values"] = new JsonArray([.. i.Values.Select(v => (JsonNode)JsonValue.Create(v))]),
        })]),
    };

    public ModelProto? Apply(ModelProto model, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var result = model.Clone();
        var graph = result.Graph;
        var failed = false;
        foreach (var request in _inputs)
        {
            var input = InputLookup.Find(result, request.InputName, request.Location, diagnostics);
            var constant = input is null ? null : Constant(request, input, diagnostics);
            if (constant is null)
            {
                failed = true;
                continue;
            }

            graph.Input.Remove(input!);
            GraphEdits.RemoveAll(graph.ValueInfo, v => v.Name == request.InputName);
            graph.Initializer.Add(constant);
        }

        return failed ? null : result;
    }

    private static TensorProto? Constant(FrozenInput request, ValueInfoProto input, DiagnosticBag diagnostics)
    {
        var shape = InputLookup.Shape(input);
        if (shape is null || !shape.IsFullyFixed)
        {
            diagnostics.Add(
                PassDiagnostics.FrozenInputShapeNotFixed,
                request.Location,
                request.InputName,
                shape?.ToString() ?? "of unknown rank");
            return null;
        }

        var dims = shape.Dimensions.Select(d => d.Value!.Value).ToArray();
        var count = dims.Aggregate(1L, (a, b) => a * b);
        if (request.Values.Length != 1 && request.Values.Length != count)
        {
            diagnostics.Add(
                PassDiagnostics.FrozenValueCountMismatch,
                request.Location,
                request.InputName,
                request.Values.Length,
                shape,
                count);
            return null;
        }

        var elementType = InputLookup.ElementType(input);
        var typeName = OnnxElementType.Name(elementType);
        foreach (var value in request.Values)
        {
            if (!Fits(value, elementType))
            {
                diagnostics.Add(
                    PassDiagnostics.FrozenValueWrongType,
                    request.Location,
                    request.InputName,
                    value.ToString("R", CultureInfo.InvariantCulture),
                    typeName);
                return null;
            }
        }

        var values = request.Values.Length == 1 ? Enumerable.Repeat(request.Values[0], checked((int)count)).ToArray() : [.. request.Values];
        return TensorProtoConversion.ToTensorProto(Build(elementType, values, dims), request.InputName);
    }

    /// <summary>True when <paramref name="value"/> is exactly representable (integers) or in range (floats) for the type.</summary>
    private static bool Fits(double value, TensorElementType type) => type switch
    {
        TensorElementType.Float => double.IsFinite(value) && Math.Abs(value) <= float.MaxValue,
        TensorElementType.Double => double.IsFinite(value),
        TensorElementType.Float16 => double.IsFinite(value) && Math.Abs(value) <= (double)Half.MaxValue,
        TensorElementType.BFloat16 => double.IsFinite(value) && Math.Abs(value) <= float.MaxValue,
        TensorElementType.Bool => value is 0 or 1,
        TensorElementType.Int8 => IsInteger(value, sbyte.MinValue, sbyte.MaxValue),
        TensorElementType.UInt8 => IsInteger(value, byte.MinValue, byte.MaxValue),
        TensorElementType.Int16 => IsInteger(value, short.MinValue, short.MaxValue),
        TensorElementType.UInt16 => IsInteger(value, ushort.MinValue, ushort.MaxValue),
        TensorElementType.Int32 => IsInteger(value, int.MinValue, int.MaxValue),
        TensorElementType.UInt32 => IsInteger(value, uint.MinValue, uint.MaxValue),
        TensorElementType.Int64 => IsInteger(value, long.MinValue, long.MaxValue),
        TensorElementType.UInt64 => IsInteger(value, ulong.MinValue, ulong.MaxValue),
        _ => false,
    };

    private static bool IsInteger(double value, double min, double max)
        => double.IsFinite(value) && Math.Floor(value) == value && value >= min && value <= max;

    private static Tensor Build(TensorElementType type, double[] values, long[] dims) => type switch
    {
        TensorElementType.Float => Tensor.Create(values.Select(v => (float)v).ToArray(), dims),
        TensorElementType.Double => Tensor.Create(values, dims),
        TensorElementType.Float16 => Tensor.Create(values.Select(v => (Half)v).ToArray(), dims),
        TensorElementType.BFloat16 => Tensor.Create(values.Select(v => BFloat16.FromSingle((float)v)).ToArray(), dims),
        TensorElementType.Bool => Tensor.Create(values.Select(v => v != 0).ToArray(), dims),
        TensorElementType.Int8 => Tensor.Create(values.Select(v => (sbyte)v).ToArray(), dims),
        TensorElementType.UInt8 => Tensor.Create(values.Select(v => (byte)v).ToArray(), dims),
        TensorElementType.Int16 => Tensor.Create(values.Select(v => (short)v).ToArray(), dims),
        TensorElementType.UInt16 => Tensor.Create(values.Select(v => (ushort)v).ToArray(), dims),
        TensorElementType.Int32 => Tensor.Create(values.Select(v => (int)v).ToArray(), dims),
        TensorElementType.UInt32 => Tensor.Create(values.Select(v => (uint)v).ToArray(), dims),
        TensorElementType.Int64 => Tensor.Create(values.Select(v => (long)v).ToArray(), dims),
        TensorElementType.UInt64 => Tensor.Create(values.Select(v => (ulong)v).ToArray(), dims),
        _ => throw new InvalidOperationException($"No constant of type {type}."),
    };
}
