using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace ModelBuild.Core.Pipeline.Validation;

/// <summary>
/// What running the original and a converted model side by side found: the metrics of every output, or
/// why the models could not be compared (<see cref="Skipped"/>).
/// </summary>
public sealed record ValidationResult(int Samples, int Seed, ImmutableArray<OutputMetrics> Outputs, string? Skipped)
{
    public static ValidationResult NotRun(string reason) => new(0, 0, [], reason);

    public JsonObject ToJson() => new()
    {
        ["samples"] = Samples,
        ["seed"] = Seed,
        ["outputs"] = new JsonArray([.. Outputs.Select(o => (JsonNode)o.ToJson())]),
        ["skipped"] = Skipped,
    };

    public static ValidationResult FromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return new(
            (int)json["samples"]!,
            (int)json["seed"]!,
            [.. json["outputs"]!.AsArray().Select(o => OutputMetrics.FromJson(o!.AsObject()))],
            (string?)json["skipped"]);
    }
}
