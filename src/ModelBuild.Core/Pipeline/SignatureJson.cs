using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Onnx;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// A model's signature as a small canonical JSON blob, so that a cache hit can describe a model
/// without parsing it: dimensions are numbers (fixed), strings (symbolic) or null (unknown).
/// </summary>
internal static class SignatureJson
{
    public static byte[] Write(OnnxModelSignature signature) => Write(signature, []);

    /// <summary>The signature and the external data files the model's tensors name (empty for most models).</summary>
    public static byte[] Write(OnnxModelSignature signature, IReadOnlyList<string> externalData)
    {
        var json = new JsonObject
        {
            ["inputs"] = Values(signature.Inputs),
            ["outputs"] = Values(signature.Outputs),
        };
        if (externalData.Count > 0)
        {
            json["external_data"] = new JsonArray([.. externalData.Select(l => (JsonNode)JsonValue.Create(l))]);
        }

        return CanonicalJson.SerializeToUtf8Bytes(json);
    }

    /// <summary>The external data files a signature written by <see cref="Write(OnnxModelSignature, IReadOnlyList{string})"/>
    /// names.</summary>
    public static IReadOnlyList<string> ReadExternalData(ReadOnlySpan<byte> json) =>
        JsonNode.Parse(json)?["external_data"] is JsonArray files ? [.. files.Select(f => (string)f!)] : [];

    public static OnnxModelSignature Read(ReadOnlySpan<byte> json)
    {
        var root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("A model signature must be a JSON object.");
        return new OnnxModelSignature(Values(root["inputs"]), Values(root["outputs"]));
    }

    private static JsonArray Values(IEnumerable<OnnxValueInfo> values) =>
        [.. values.Select(v => (JsonNode)new JsonObject
        {
            ["name"] = v.Name,
            ["kind"] = v.Kind.ToString(),
            ["elementType"] = OnnxElementType.ToProto(v.ElementType),
            ["shape"] = v.Shape is null ? null : new JsonArray([.. v.Shape.Dimensions.Select(Dimension)]),
        })];

    private static JsonNode? Dimension(OnnxDimension d) =>
        d.Value is { } value ? JsonValue.Create(value) : d.Name is { } name ? JsonValue.Create(name) : null;

    private static ImmutableArray<OnnxValueInfo> Values(JsonNode? node) =>
        [.. (node as JsonArray ?? []).Select(item =>
        {
            var o = item!.AsObject();
            var shape = o["shape"] is JsonArray dims ? new OnnxShape(dims.Select(ReadDimension)) : null;
            return new OnnxValueInfo(
                (string)o["name"]!,
                Enum.Parse<OnnxValueKind>((string)o["kind"]!),
                OnnxElementType.FromProto((int)o["elementType"]!),
                shape);
        })];

    private static OnnxDimension ReadDimension(JsonNode? node) => node switch
    {
        null => OnnxDimension.Unknown,
        JsonValue v when v.TryGetValue<long>(out var value) => OnnxDimension.Fixed(value),
        JsonValue v => OnnxDimension.Symbolic(v.GetValue<string>()),
        _ => throw new InvalidDataException("A dimension must be a number, a string or null."),
    };
}
