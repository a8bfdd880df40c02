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
    IReadOnlyList<TensorDescription> Outputs);

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

    /// <summary>The last stage that completed without error; <see cref="PipelineStage.Package"/> when <see cref="Model"/> is set, null when none did.</summary>
    public PipelineStage? Completed { get; init; }

    /// <summary>Every action of this compile, in the order they ran: what it was, its key, and whether the cache had it.</summary>
    public IReadOnlyList<ActionTrace> Actions { get; init; } = [];
}
