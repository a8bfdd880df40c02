namespace ModelBuild.Core.Pipeline.Steps;

/// <summary>
/// One step of a model's compile (fetch, inspect, prepare, quantize, fp16, ort, vendor-compile). The compile runs
/// the steps that apply, in order; its dry run walks the same list and asks each only for its key.
/// </summary>
internal interface IPipelineStep
{
    /// <summary>The step's name in keys, logs, <c>buildinfo.json</c> and the dry run.</summary>
    string Name { get; }

    /// <summary>The stage the step belongs to; a compile asked to stop after a stage stops when its steps are done.</summary>
    PipelineStage Stage { get; }

    /// <summary>Whether the compile runs this step: true for fetch and inspect, else as the plan says.</summary>
    bool AppliesTo(CompileState state);

    /// <summary>
    /// The step's dry run: its key from what <paramref name="state"/> already knows, whether the cache has its
    /// result, and, when it does, that result taken into <paramref name="state"/> so the next step's key is known.
    /// Reads sources and the cache; never computes or writes.
    /// </summary>
    Task<IReadOnlyList<PreviewStep>> PreviewAsync(CompileState state, CancellationToken cancellationToken);

    /// <summary>Runs the step, cache first, and takes its result into <paramref name="state"/>.</summary>
    Task RunAsync(CompileState state, CancellationToken cancellationToken);
}
