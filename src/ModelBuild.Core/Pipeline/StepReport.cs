using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Pipeline.Validation;

namespace ModelBuild.Core.Pipeline;

/// <summary>One pass as it ran: its name and options, and the node count before and after.</summary>
public sealed record PassRecord(string Name, JsonObject Options, int NodesBefore, int NodesAfter)
{
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["options"] = Options.DeepClone(),
        ["nodes_before"] = NodesBefore,
        ["nodes_after"] = NodesAfter,
    };

    public static PassRecord FromJson(JsonObject json) =>
        new(
            (string)json["name"]!,
            json["options"]!.AsObject().DeepClone().AsObject(),
            (int)json["nodes_before"]!,
            (int)json["nodes_after"]!);
}

/// <summary>
/// What one converting action did, stored with its outputs so a cached run reports the same: the passes
/// it ran, the validation against the original model, and the warnings it raised.
/// </summary>
public sealed record StepReport(
    string Step,
    ImmutableArray<PassRecord> Passes,
    ValidationResult Validation,
    ImmutableArray<Diagnostic> Warnings)
{
    public JsonObject ToJson() => new()
    {
        ["step"] = Step,
        ["passes"] = new JsonArray([.. Passes.Select(p => (JsonNode)p.ToJson())]),
        ["validation"] = Validation.ToJson(),
        ["warnings"] = new JsonArray([.. Warnings.Select(w => (JsonNode)new JsonObject { ["code"] = w.Code, ["message"] = w.Message })]),
    };

    public byte[] ToBytes() => CanonicalJson.SerializeToUtf8Bytes(ToJson());

    public static StepReport FromBytes(ReadOnlySpan<byte> bytes)
    {
        var json = JsonNode.Parse(bytes)?.AsObject() ?? throw new InvalidDataException("A step report must be a JSON object.");
        return new StepReport(
            (string)json["step"]!,
            [.. json["passes"]!.AsArray().Select(p => PassRecord.FromJson(p!.AsObject()))],
            ValidationResult.FromJson(json["validation"]!.AsObject()),
            [.. json["warnings"]!.AsArray()
                .Select(w => new Diagnostic((string)w!["code"]!, DiagnosticSeverity.Warning, (string)w["message"]!, null))]);
    }
}
