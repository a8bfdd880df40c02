using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelBuild.Core.NnArchives;

/// <summary>The preprocessing block of an NN Archive input; DepthAI sets up its pipeline from <see cref="DaiType"/>.</summary>
public sealed record NnArchivePreprocessing(
    IReadOnlyList<double>? Mean,
    IReadOnlyList<double>? Scale,
    bool? ReverseChannels,
    bool? InterleavedToPlanar,
    string? DaiType);

/// <summary>One input of an NN Archive: <see cref="InputType"/> is <c>image</c> or <c>raw</c>.</summary>
public sealed record NnArchiveInput(
    string Name,
    string DType,
    string InputType,
    IReadOnlyList<long> Shape,
    string Layout,
    NnArchivePreprocessing Preprocessing);

/// <summary>One output of an NN Archive.</summary>
public sealed record NnArchiveOutput(string Name, string DType, IReadOnlyList<long>? Shape, string? Layout);

/// <summary>
/// One head of an NN Archive: the parser DepthAI decodes the outputs with, and (in a two-stage archive, as ModelConverter writes and
/// reads one) the archive-relative path of the postprocessing model that runs on the main model's outputs.
/// </summary>
public sealed record NnArchiveHead(string Parser, string? PostprocessorPath);

/// <summary>
/// An NN Archive's <c>config.json</c> (schema version 1.0 of luxonis-ml): the model's name, the archive-relative
/// path of its executable and its precision, its inputs and outputs, and its heads (none: raw outputs).
/// </summary>
public sealed record NnArchiveConfig(
    string Name,
    string ModelPath,
    string Precision,
    IReadOnlyList<NnArchiveInput> Inputs,
    IReadOnlyList<NnArchiveOutput> Outputs)
{
    /// <summary>The schema version written.</summary>
    public const string ConfigVersion = "1.0";

    /// <summary>The archive's heads; empty for raw outputs.</summary>
    public IReadOnlyList<NnArchiveHead> Heads { get; init; } = [];

    /// <summary>The JSON luxonis-ml writes: keys in its order, every field present (null when unset), four-space indents.</summary>
    public byte[] ToJson()
    {
        var root = new JsonObject
        {
            ["config_version"] = ConfigVersion,
            ["model"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = Name, ["path"] = ModelPath, ["precision"] = Precision },
                ["inputs"] = new JsonArray([.. Inputs.Select(i => (JsonNode)new JsonObject
                {
                    ["name"] = i.Name,
                    ["dtype"] = i.DType,
                    ["input_type"] = i.InputType,
                    ["shape"] = Numbers(i.Shape),
                    ["layout"] = i.Layout,
                    ["preprocessing"] = new JsonObject
                    {
                        ["mean"] = i.Preprocessing.Mean is { } mean
                            ? new JsonArray([.. mean.Select(v => (JsonNode)JsonValue.Create(v))])
                            : null,
                        ["scale"] = i.Preprocessing.Scale is { } scale
                            ? new JsonArray([.. scale.Select(v => (JsonNode)JsonValue.Create(v))])
                            : null,
                        ["reverse_channels"] = i.Preprocessing.ReverseChannels,
                        ["interleaved_to_planar"] = i.Preprocessing.InterleavedToPlanar,
                        ["dai_type"] = i.Preprocessing.DaiType,
                    },
                })]),
                ["outputs"] = new JsonArray([.. Outputs.Select(o => (JsonNode)new JsonObject
                {
                    ["name"] = o.Name,
                    ["dtype"] = o.DType,
                    ["shape"] = o.Shape is null ? null : Numbers(o.Shape),
                    ["layout"] = o.Layout,
                })]),
                ["heads"] = new JsonArray([.. Heads.Select(h => (JsonNode)new JsonObject
                {
                    ["parser"] = h.Parser,
                    ["metadata"] = new JsonObject { ["postprocessor_path"] = h.PostprocessorPath },
                })]),
            },
        };
        return Encoding.UTF8.GetBytes(root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 4 }));
    }

    /// <summary>
    /// Reads a <c>config.json</c> as luxonis-ml writes it. Optional fields may be missing or null; a missing
    /// required one (the model's name and path, an input's name, dtype and shape) is an error.
    /// </summary>
    /// <exception cref="FormatException">The JSON is malformed or lacks a required field; the message says which.</exception>
    public static NnArchiveConfig Parse(ReadOnlySpan<byte> json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw new FormatException($"it is not valid JSON ({e.Message})", e);
        }

        var model = Required(root, "model");
        var metadata = Required(model, "metadata");
        var inputs = Required(model, "inputs").AsArray();
        var outputs = model["outputs"]?.AsArray() ?? [];
        var heads = model["heads"] as JsonArray ?? [];
        return new NnArchiveConfig(
            Text(metadata, "name", "model.metadata"),
            Text(metadata, "path", "model.metadata"),
            OptionalText(metadata, "precision") ?? "float32",
            [.. inputs.Select((input, i) => ReadInput(input, $"model.inputs[{i}]"))],
            [.. outputs.Select((output, i) => ReadOutput(output, $"model.outputs[{i}]"))])
        {
            Heads = [.. heads.Select((head, i) => ReadHead(head, $"model.heads[{i}]"))],
        };
    }

    private static NnArchiveHead ReadHead(JsonNode? node, string at) =>
        new(Text(node, "parser", at), OptionalText(node?["metadata"], "postprocessor_path"));

    private static NnArchiveInput ReadInput(JsonNode? node, string at)
    {
        var preprocessing = node?["preprocessing"];
        return new NnArchiveInput(
            Text(node, "name", at),
            Text(node, "dtype", at),
            OptionalText(node, "input_type") ?? "image",
            Dimensions(Required(node, "shape", at), at + ".shape"),
            OptionalText(node, "layout") ?? "",
            new NnArchivePreprocessing(
                Values(preprocessing?["mean"], at + ".preprocessing.mean"),
                Values(preprocessing?["scale"], at + ".preprocessing.scale"),
                Flag(preprocessing?["reverse_channels"], at + ".preprocessing.reverse_channels"),
                Flag(preprocessing?["interleaved_to_planar"], at + ".preprocessing.interleaved_to_planar"),
                OptionalText(preprocessing, "dai_type")));
    }

    private static NnArchiveOutput ReadOutput(JsonNode? node, string at) =>
        new(
            Text(node, "name", at),
            OptionalText(node, "dtype") ?? "float32",
            node?["shape"] is { } shape ? Dimensions(shape, at + ".shape") : null,
            OptionalText(node, "layout"));

    private static JsonNode Required(JsonNode? parent, string key, string? at = null) =>
        parent?[key] ?? throw new FormatException($"'{(at is null ? key : at + "." + key)}' is missing");

    private static string Text(JsonNode? parent, string key, string at) =>
        OptionalText(parent, key) ?? throw new FormatException($"'{at}.{key}' is missing");

    private static string? OptionalText(JsonNode? parent, string key) =>
        parent?[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static List<long> Dimensions(JsonNode node, string at) =>
        node is JsonArray array && array.All(d => d is JsonValue v && v.TryGetValue<long>(out _))
            ? [.. array.Select(d => d!.GetValue<long>())]
            : throw new FormatException($"'{at}' must be a list of integers");

    private static double[]? Values(JsonNode? node, string at) => node switch
    {
        null => null,
        JsonArray array when array.All(v => v is JsonValue value && value.TryGetValue<double>(out _)) => [.. array.Select(
            v => v!.GetValue<double>())],
        _ => throw new FormatException($"'{at}' must be a list of numbers"),
    };

    private static bool? Flag(JsonNode? node, string at) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        _ => throw new FormatException($"'{at}' must be true or false"),
    };

    private static JsonArray Numbers(IReadOnlyList<long> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
}
