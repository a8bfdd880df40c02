using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Targets;
using ModelBuild.Tensors;

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

    /// <summary>The model's class labels in output order (an Open Model Zoo <c>model_info.labels</c>); empty when the manifest has
    /// none.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>The output <see cref="Labels"/> belong to; null for the first output.</summary>
    public string? LabeledOutput { get; init; }

    /// <summary>True when the labelled output holds logits (the manifest's <c>apply_softmax</c>).</summary>
    public bool ApplySoftmax { get; init; }

    /// <summary>The stage this model is, in a multi-stage manifest (its name there); null for a flat manifest's model.</summary>
    public string? Stage { get; init; }

    /// <summary>
    /// A multi-stage model's stages, compiled, in the manifest's order; empty for a single model. The model itself then describes
    /// its main stage (<see cref="MainStage"/>), and its <see cref="CompiledModel.Files"/> are every stage's files, the main stage's first.
    /// </summary>
    public IReadOnlyList<CompiledModel> Stages { get; init; } = [];

    /// <summary>The main stage of a multi-stage model (ModelConverter's <c>--main-stage</c>); null for a single model.</summary>
    public string? MainStage { get; init; }
}

/// <summary>The <c>buildinfo.json</c> written beside every compiled model.</summary>
public static class BuildInfo
{
    public const string FileName = "buildinfo.json";

    // Relaxed escaping keeps '+' and quotes in versions and paths readable; the file is data, never HTML.
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping
    };

    /// <summary>The record of one compile: versions, the source, every action with its key, outputs, passes and validation, the
    /// files.</summary>
    /// <remarks>A vendor target's <c>vendorAction</c> entry follows the converting steps.</remarks>
    internal static JsonObject Create(
        EngineIdentity engine,
        ActionKeys keys,
        ModelCompileRequest request,
        TargetSelection selection,
        ModelSource model,
        FetchedContent fetched,
        IReadOnlyList<StepOutcome> steps,
        ConversionPlan plan,
        IReadOnlyList<CompiledFile> files,
        JsonObject? vendorAction = null)
    {
        var actions = new JsonArray
        {
            new JsonObject
            {
                ["action"] = "inspect",
                ["key"] = keys.Inspect(fetched.Digest).Hex,
                ["inputs"] = new JsonObject { [ActionOutputs.Model] = fetched.Digest.Hex },
            },
        };
        foreach (var step in steps)
        {
            actions.Add(new JsonObject
            {
                ["action"] = step.Step,
                ["key"] = step.Key.Hex,
                ["outputs"] = new JsonObject(
                    [.. step.Model.Named().Select(n => new KeyValuePair<string, JsonNode?>(n.Key, n.Value.Digest.Hex))]),
                ["passes"] = new JsonArray([.. step.Report.Passes.Select(p => (JsonNode)p.ToJson())]),
                ["validation"] = step.Report.Validation.ToJson(),
            });
        }

        if (vendorAction is not null)
        {
            actions.Add(vendorAction);
        }

        return new JsonObject
        {
            ["modelbuild"] = engine.Version,
            ["onnxruntime"] = engine.OnnxRuntimeVersion,
            ["name"] = request.Name,
            ["target"] = selection.Target.Name,
            ["precision"] = selection.Precision.Name,
            ["source"] = new JsonObject
            {
                ["location"] = model.DisplayName,
                ["sha256"] = fetched.Digest.Hex,
                ["size"] = fetched.Size,
                ["external_data"] = new JsonObject(
                    [.. model.Stored.Data.Select(d => new KeyValuePair<string, JsonNode?>(d.Key, d.Value.Digest.Hex))]),
            },
            ["bake_preprocessing"] = plan.BakePreprocessing,
            ["thresholds"] = new JsonObject
            {
                ["min_cosine"] = plan.Thresholds.MinCosine,
                ["min_top1_agreement"] = plan.Thresholds.MinTop1Agreement,
                ["max_abs_error"] = plan.Thresholds.MaxAbsError,
                ["on_failure"] = plan.Validation.OnFailure == ValidationFailure.Warning ? "warning" : "error",
            },
            ["actions"] = actions,
            ["outputs"] = new JsonArray([.. files.Select(
                f => (JsonNode)new JsonObject { ["file"] = f.FileName, ["sha256"] = f.Blob.Digest.Hex, ["size"] = f.Blob.Size })]),
        };
    }

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
/// mean and scale in the model's channel order, the colour order the model expects, and how its calibration
/// images are resized (<c>RESIZE</c>, <c>CROP</c>, <c>PAD</c>, <c>PAD_RIGHT</c>).
/// </summary>
public sealed record TensorDescription(
    string Name,
    string ElementType,
    IReadOnlyList<long> Shape,
    string? Layout = null,
    IReadOnlyList<double>? Mean = null,
    IReadOnlyList<double>? Scale = null,
    string? Encoding = null,
    string? ResizeMethod = null);

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

    /// <summary>The last stage that completed without error; <see cref="PipelineStage.Package"/> when <see cref="Model"/> is set, null when
    /// none did.</summary>
    public PipelineStage? Completed { get; init; }

    /// <summary>Every action of this compile, in the order they ran: what it was, its key, and whether the cache had it.</summary>
    public IReadOnlyList<ActionTrace> Actions { get; init; } = [];

    /// <summary>Files to write beside the outputs, also when a stage stops early: the quantization report of an INT8 precision.</summary>
    public IReadOnlyList<CompiledFile> Attachments { get; init; } = [];
}
