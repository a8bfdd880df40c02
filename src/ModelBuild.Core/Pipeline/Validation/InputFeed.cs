using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ModelBuild.Core.Onnx;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Pipeline.Validation;

/// <summary>
/// How validation feeds one input of the original model, and the converted model's matching input.
/// Samples are drawn as raw values (pixels in the encoding the compiled model is fed); the original
/// gets them flipped, centred and scaled as the manifest describes, the converted model the same
/// unless its preprocessing is baked in, in which case it takes the raw values.
/// </summary>
/// <param name="Name">The input's name (the same in both models).</param>
/// <param name="OriginalType">The original input's ONNX element type.</param>
/// <param name="Shape">The concrete shape fed to both models.</param>
/// <param name="ChannelAxis">The channel axis for flips and per-channel values; -1 when there is none.</param>
/// <param name="FlipChannels">Whether the channel order is reversed on the way to the original.</param>
/// <param name="Mean">Subtracted per channel (one value: from every element); empty for none.</param>
/// <param name="Scale">Divided per channel after the mean; empty for none.</param>
/// <param name="ConvertedType">The converted model's element type for this input; null when it was frozen away.</param>
/// <param name="Baked">Whether the converted model has the preprocessing baked in (so it takes raw values).</param>
/// <param name="FrozenValues">The frozen value the original is fed with when the input was frozen.</param>
/// <param name="Source">Where raw values come from.</param>
public sealed record InputFeed(
    string Name,
    TensorElementType OriginalType,
    ImmutableArray<long> Shape,
    int ChannelAxis,
    bool FlipChannels,
    ImmutableArray<double> Mean,
    ImmutableArray<double> Scale,
    TensorElementType? ConvertedType,
    bool Baked,
    ImmutableArray<double>? FrozenValues,
    SampleSource Source)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The feed as JSON, for action keys and build records.</summary>
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["type"] = OnnxElementType.Name(OriginalType),
        ["shape"] = new JsonArray([.. Shape.Select(d => (JsonNode)JsonValue.Create(d))]),
        ["channel_axis"] = ChannelAxis,
        ["flip"] = FlipChannels,
        ["mean"] = new JsonArray([.. Mean.Select(v => (JsonNode)JsonValue.Create(v))]),
        ["scale"] = new JsonArray([.. Scale.Select(v => (JsonNode)JsonValue.Create(v))]),
        ["converted_type"] = ConvertedType is { } type ? OnnxElementType.Name(type) : null,
        ["baked"] = Baked,
        ["frozen"] = FrozenValues is { } frozen ? new JsonArray([.. frozen.Select(v => (JsonNode)JsonValue.Create(v))]) : null,
        ["source"] = Source.ToJson(),
    };
}

/// <summary>Where the raw values of an input's samples come from.</summary>
public abstract record SampleSource
{
    public abstract JsonObject ToJson();
}

/// <summary>Normally distributed values clipped to [<paramref name="Min"/>, <paramref name="Max"/>], ModelConverter's random
/// calibration.</summary>
public sealed record RandomSamples(double Min, double Max, double Mean, double Std) : SampleSource
{
    public override JsonObject ToJson()
        => new() { ["random"] = new JsonObject { ["min"] = Min, ["max"] = Max, ["mean"] = Mean, ["std"] = Std } };
}

/// <summary>Images from a calibration folder (decoded, converted to the fed encoding, resized); each named with its digest.</summary>
public sealed record ImageSamples(ImmutableArray<ImageFile> Files, string Encoding, string Layout, string ResizeMethod) : SampleSource
{
    public override JsonObject ToJson() => new()
    {
        ["images"] = new JsonObject
        {
            ["files"] = new JsonArray([.. Files.Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["sha256"] = f.Sha256 })]),
            ["encoding"] = Encoding,
            ["layout"] = Layout,
            ["resize"] = ResizeMethod,
        },
    };
}

/// <summary>
/// <c>.npy</c> tensors from a calibration folder: values exactly as the original model takes them (no flip, mean
/// or scale is applied), each named with its digest.
/// </summary>
public sealed record TensorFileSamples(ImmutableArray<ImageFile> Files) : SampleSource
{
    public override JsonObject ToJson() => new()
    {
        ["tensors"] = new JsonObject
        {
            ["files"] = new JsonArray([.. Files.Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["sha256"] = f.Sha256 })]),
        },
    };
}

/// <summary>One calibration file: its name in the folder, full path and SHA-256.</summary>
public sealed record ImageFile(string Name, string Path, string Sha256);
