using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Pipeline;

/// <summary>A compiled model: its files in the cache and the description its accessor publishes.</summary>
public sealed record CompiledModel(
    string Name,
    string ManifestPath,
    TargetSelection Selection,
    IReadOnlyList<CompiledFile> Files,
    IReadOnlyList<TensorDescription> Inputs,
    IReadOnlyList<TensorDescription> Outputs)
{
    /// <summary>
    /// The build record written beside the outputs as <see cref="BuildInfo.FileName"/>: versions, every action
    /// with its key, options, input and output digests, the passes and the validation metrics. Deterministic:
    /// the same compile gives the same bytes, so it never makes an output folder look changed.
    /// </summary>
    public JsonObject? BuildInfo { get; init; }
}

/// <summary>The <c>buildinfo.json</c> written beside every compiled model.</summary>
public static class BuildInfo
{
    public const string FileName = "buildinfo.json";

    // Relaxed escaping keeps '+' and quotes in versions and paths readable; the file is data, never HTML.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The record as indented UTF-8 JSON with a final newline, properties in the order they were added.</summary>
    public static byte[] ToBytes(JsonObject info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return Encoding.UTF8.GetBytes(info.ToJsonString(Indented).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
    }
}

/// <summary>One output file: its name in the output folder and its blob in the cache.</summary>
public sealed record CompiledFile(string FileName, StoredBlob Blob);

/// <summary>
/// A model input or output as an app sees it: element type (NumPy names: float32, uint8...), shape
/// (-1 where open) and, for image inputs, the preprocessing the app must apply: layout, per-channel
/// mean and scale in the model's channel order, and the colour order the model expects.
/// </summary>
public sealed record TensorDescription(
    string Name,
    string ElementType,
    IReadOnlyList<long> Shape,
    string? Layout = null,
    IReadOnlyList<double>? Mean = null,
    IReadOnlyList<double>? Scale = null,
    string? Encoding = null);

/// <summary>The result of compiling one model: the model, or the diagnostics that stopped it; and what was read.</summary>
/// <param name="Model">The compiled model; null when an error stopped it.</param>
/// <param name="Diagnostics">Errors and warnings, in the order they were found.</param>
/// <param name="Dependencies">Every local file the compile read (the manifest first), for incremental builds.</param>
/// <param name="ActionsRun">Actions computed by this run.</param>
/// <param name="ActionsCached">Actions whose results came from the cache.</param>
public sealed record ModelCompileOutcome(
    CompiledModel? Model,
    IReadOnlyList<Diagnostics.Diagnostic> Diagnostics,
    IReadOnlyList<string> Dependencies,
    int ActionsRun,
    int ActionsCached)
{
    public bool Succeeded => Model is not null;
}
