using System.Diagnostics.CodeAnalysis;
using System.Text;
using Google.Protobuf;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Onnx;

/// <summary>Builds node attributes with their type set, e.g. <c>OnnxAttributes.Ints("pads", 1, 1, 1, 1)</c>.</summary>
[SuppressMessage(
    "Naming",
    "CA1720:Identifier contains type name",
    Justification = "The methods are named after ONNX's attribute types INT, FLOAT and STRING.")]
public static class OnnxAttributes
{
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Floats(string name, params float[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        attribute.Floats.AddRange(values);
        return attribute;
    }

    /// <summary>A string attribute, stored as UTF-8 as the specification asks.</summary>
    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFrom(value, Encoding.UTF8) };

    public static AttributeProto Strings(string name, params string[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        attribute.Strings.AddRange(values.Select(v => ByteString.CopyFrom(v, Encoding.UTF8)));
        return attribute;
    }

    public static AttributeProto Tensor(string name, TensorProto value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };

    /// <summary>A float tensor attribute (e.g. <c>Constant</c>'s <c>value</c>) of shape <paramref name="dims"/>.</summary>
    public static AttributeProto Tensor(string name, ReadOnlySpan<float> values, params long[] dims) =>
        Tensor(name, RawTensor.Create("", values, dims));

    /// <summary>An int64 tensor attribute of shape <paramref name="dims"/>.</summary>
    public static AttributeProto Tensor(string name, ReadOnlySpan<long> values, params long[] dims) =>
        Tensor(name, RawTensor.Create("", values, dims));

    /// <summary>A subgraph attribute, such as the branches of <c>If</c> or the body of <c>Loop</c>.</summary>
    public static AttributeProto Graph(string name, GraphProto value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = value };
}
