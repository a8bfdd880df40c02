using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Pipeline.Steps;
using ModelBuild.Core.Pipeline.Validation;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Targets;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// Plans and runs the steps of one model (<see cref="PipelineSteps"/>), cache first: fetch the source, <c>inspect</c>
/// it, <c>prepare</c> it (input shapes, frozen inputs, preprocessing, input types, outputs, simplify), <c>quantize</c>
/// it for INT8 precisions, convert it to <c>fp16</c> when the precision asks, write the <c>ort</c> format for that
/// target or <c>vendor-compile</c> it for a vendor's, and describe it for the accessor. Every converting step checks
/// its result against the original model by running both. Each action is keyed by its inputs' digests, its options,
/// the engine and the salt; a key already in the action cache is never computed again, by this process or any other.
/// </summary>
public sealed class ModelCompiler
{
    private readonly PipelineServices _services;
    private readonly IReadOnlyList<IPipelineStep> _steps;

    /// <param name="cache">The local cache every action reads and writes.</param>
    /// <param name="fetcher">Brings model sources into <paramref name="cache"/>.</param>
    /// <param name="engine">Goes into every action key.</param>
    /// <param name="salt">The user's salt (ModelBuildCacheSalt), mixed into every action key.</param>
    /// <param name="log">Progress messages for people (waiting for another process, conversions checked).</param>
    public ModelCompiler(ModelBuildCache cache, SourceFetcher fetcher, EngineIdentity engine, string? salt, Action<string>? log = null)
    {
        _services = new PipelineServices(
            cache,
            fetcher,
            new ActionRunner(cache, log),
            new ActionKeys(engine, salt),
            engine,
            log ?? (_ => { }));
        _steps = PipelineSteps.Create(_services);
    }

    /// <summary>
    /// Compiles one model: every stage of a multi-stage manifest, in the manifest's order, each through the same steps. User
    /// mistakes come back as diagnostics, never as exceptions; the first stage that fails stops the stages after it.
    /// </summary>
    public async Task<ModelCompileOutcome> CompileAsync(ModelCompileRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var diagnostics = new List<Diagnostic>();
        var dependencies = new List<string>();
        IReadOnlyList<CompileState>? states;
        try
        {
            states = Plan(request, diagnostics, dependencies, fetchRemoteArchives: true);
        }
        catch (DiagnosticException e)
        {
            diagnostics.Add(e.Diagnostic);
            states = null;
        }

        if (states is null)
        {
            return new ModelCompileOutcome(null, diagnostics, dependencies, 0, 0);
        }

        var outcomes = new List<ModelCompileOutcome>();
        using var linked = new StageCalibrationLinks(_services, states);
        foreach (var state in states)
        {
            var outcome = await CompileStageAsync(state, linked, cancellationToken).ConfigureAwait(false);
            outcomes.Add(outcome);
            if (outcome.Completed is null)
            {
                break;
            }
        }

        return StagedOutcome.Combine(states, outcomes, diagnostics, dependencies);
    }

    // The manifest loader is synchronous; the fetch runs on the thread pool, so waiting for it cannot block a caller's context.
    private string FetchNnArchive(string source, SourceLocation at, string manifestPath, List<Diagnostic> diagnostics)
    {
        var reference = SourceReference.Parse(source, Path.GetDirectoryName(manifestPath)!, at);
        var fetched = Task.Run(() => _services.Fetcher.FetchAsync(reference, ContentPin.None, at)).GetAwaiter().GetResult();
        diagnostics.AddRange(fetched.Warnings);
        return _services.Cache.Content.TryGetPath(fetched.Digest, out var path)
            ? path
            : throw new InvalidOperationException($"The fetched NN Archive {fetched.Blob} is not in the cache.");
    }

    private async Task<ModelCompileOutcome> CompileStageAsync(
        CompileState state,
        StageCalibrationLinks linked,
        CancellationToken cancellationToken)
    {
        try
        {
            await linked.ResolveAsync(state, cancellationToken).ConfigureAwait(false);
            var model = await CompileCoreAsync(state, cancellationToken).ConfigureAwait(false);
            return state.Outcome(model);
        }
        catch (DiagnosticException e)
        {
            state.Diagnostics.Add(e.Diagnostic);
            return state.Outcome(null);
        }
        catch (CompileStoppedException)
        {
            return state.Outcome(null);
        }
    }

    /// <summary>
    /// The plan of one model's compile and each action's key, computed without writing anything: the source's
    /// digest comes from its pin or, for a local file, from reading it; a key that depends on an action that has
    /// not run yet is unknown. User mistakes come back as diagnostics.
    /// </summary>
    public Task<ConversionPreview> PreviewAsync(ModelCompileRequest request, CancellationToken cancellationToken = default) =>
        new ConversionPreviewer(this, _steps).PreviewAsync(request, cancellationToken);

    /// <summary>
    /// What is known before any step runs, one state per stage in the manifest's order: the manifest, the target and
    /// precision, the stage, the vendor's route and the source. A multi-stage model's stages are named
    /// <c>&lt;model&gt;.&lt;stage&gt;</c> in their outputs. Null after adding the reasons to <paramref name="diagnostics"/>.
    /// </summary>
    /// <param name="request">The model's request.</param>
    /// <param name="diagnostics">Receives the problems found before the states exist.</param>
    /// <param name="dependencies">Receives the manifest's path, read even when it has errors.</param>
    /// <param name="fetchRemoteArchives">Fetch an <c>input_model</c> NN Archive from a remote source (a compile); a dry run does
    /// not (MB2131).</param>
    internal IReadOnlyList<CompileState>? Plan(
        ModelCompileRequest request,
        List<Diagnostic> diagnostics,
        List<string> dependencies,
        bool fetchRemoteArchives = false)
    {
        var engine = _services.Engine;
        if (!request.NameIsDefault && ModelNameRule.Problem(request.Name) is { } problem)
        {
            diagnostics.Add(
                ManifestDiagnostics.UnsafeModelName.Create(request.NameAt, "The model name", ModelNameRule.Display(request.Name), problem));
            return null;
        }

        var manifestPath = Path.GetFullPath(request.ManifestPath);
        dependencies.Add(manifestPath);
        var loaded = ManifestLoader.Load(
            manifestPath,
            request.Overrides,
            fetchRemoteArchives ? (source, at) => FetchNnArchive(source, at, manifestPath, diagnostics) : null);
        diagnostics.AddRange(loaded.Diagnostics);
        if (loaded.Manifest is not { } manifest)
        {
            return null;
        }

        // Name metadata or --name, else the manifest's name:, else the file stem (ModelConverter's precedence, with the project's say
        // first).
        if (request.NameIsDefault && manifest.NameGiven && manifest.Name.Value != request.Name)
        {
            request = request with { Name = manifest.Name.Value };
        }

        var selection = TargetSelection.Resolve(
            request.Target,
            request.Precision,
            engine.DisplayVersion,
            request.TargetAt,
            request.PrecisionAt);
        if (StagePlan.Problems(manifest, request).ToList() is { Count: > 0 } problems)
        {
            diagnostics.AddRange(problems);
            return null;
        }

        var folder = Path.GetDirectoryName(manifestPath)!;
        var states = new List<CompileState>();
        foreach (var manifestStage in manifest.Stages)
        {
            var stage = ConversionPlanner.OnnxStage(manifestStage, engine.DisplayVersion);
            var stageRequest = manifest.IsMultiStage ? request with { Name = request.Name + "." + stage.Name.Value } : request;
            var stageSelection = StagePlan.Selection(stage, selection, stageRequest, engine.DisplayVersion);
            stageRequest = StagePlan.WithPrecision(stage, stageRequest);
            var vendor = VendorCompileChoice.For(stageRequest, stageSelection, stage);
            var input = InputModelSource.From(stage.InputModel, folder);
            states.Add(new CompileState(stageRequest, manifestPath, manifest, stage, stageSelection, input)
            {
                Vendor = vendor,
                ModelName = request.Name,
            });
        }

        return states;
    }

    private async Task<CompiledModel?> CompileCoreAsync(CompileState state, CancellationToken cancellationToken)
    {
        var converted = false;
        foreach (var step in _steps)
        {
            if (!step.AppliesTo(state))
            {
                continue;
            }

            // The vendor's compiler starts from a converted model that passed its checks.
            if (step.Stage == PipelineStage.Package && !(converted = ConversionPassed(state)))
            {
                return null;
            }

            using (PhaseTimes.Measure(step.Name))
            {
                await step.RunAsync(state, cancellationToken).ConfigureAwait(false);
            }

            if (step.Stage == PipelineStage.Download && state.StopsAfter(PipelineStage.Download))
            {
                return null;
            }
        }

        using (PhaseTimes.Measure("package"))
        {
            return converted || ConversionPassed(state) ? await PackageAsync(state, cancellationToken).ConfigureAwait(false) : null;
        }
    }

    /// <summary>
    /// Judges every converting step against the plan's thresholds; false on an error, or when the request stops after
    /// converting (quantizing is part of converting: FP16 and the ORT format come after it, so both stages end here).
    /// </summary>
    private static bool ConversionPassed(CompileState state)
    {
        foreach (var step in state.Steps)
        {
            state.Diagnostics.AddRange(ValidationJudge.Judge(step, state.ValidPlan, state.Selection, state.Source));
        }

        return !state.Diagnostics.Any(d => d.IsError) && !state.StopsAfter(PipelineStage.Convert)
            && !state.StopsAfter(PipelineStage.Quantize);
    }

    /// <summary>The compiled model: its files (the vendor's, or the last step's model named for the target) and its description.</summary>
    private async Task<CompiledModel> PackageAsync(CompileState state, CancellationToken cancellationToken)
    {
        var request = state.Request;
        var selection = state.Selection;
        var plan = state.ValidPlan;
        var current = state.Current!;
        var vendor = state.Vendor;
        var vendorOutcome = state.VendorOutcome;
        var files = vendorOutcome?.Files
            ?? await OutputFilesAsync(request.Name, selection, current.Model, cancellationToken).ConfigureAwait(false);
        var outputLayouts = state.Stage.Outputs.Where(o => o.Layout is not null)
            .ToDictionary(o => o.Name.Value, o => o.Layout!.Value, StringComparer.Ordinal);
        var inputs = state.Inputs;

        // A stage of a multi-stage manifest has its own labels (its outputs' labels); a flat manifest's are the manifest's.
        var labeled = state.Manifest.IsMultiStage ? state.Stage.Outputs.FirstOrDefault(o => o.Labels is not null) : null;
        return new CompiledModel(
            request.Name,
            state.ManifestPath,
            selection,
            files,
            [.. current.Signature.Inputs
                .Select(v => Describe(
                    v,
                    inputs.FirstOrDefault(r => r.Name.Value == v.Name),
                    plan.Baked.Contains(v.Name) || vendor?.HoldsPreprocessing == true))
                .Select(d => vendorOutcome?.Describe(d) ?? d)],
            [.. current.Signature.Outputs.Select(v => Describe(v, null, false) with { Layout = outputLayouts.GetValueOrDefault(v.Name) })])
        {
            BuildInfo = BuildInfo.Create(
                _services.Engine, _services.Keys, request, selection, state.Source, state.Fetched!, state.Steps, plan, files, vendorOutcome?
                    .BuildInfo),
            Labels = labeled is null ? state.Manifest.Labels : labeled.Labels ?? [],
            LabeledOutput = labeled is null ? state.Manifest.LabeledOutput : labeled.Name.Value,
            ApplySoftmax = labeled?.ApplySoftmax ?? state.Manifest.ApplySoftmax,
            Stage = state.Manifest.IsMultiStage ? state.Stage.Name.Value : null,
        };
    }

    /// <summary>The files of the compiled model; a model with external data gets its data file named after it.</summary>
    private Task<IReadOnlyList<CompiledFile>> OutputFilesAsync(
        string name,
        TargetSelection selection,
        StoredModel model,
        CancellationToken cancellationToken)
    {
        var fileName = name + selection.Target.OutputExtensions[0];
        return model.Data.IsEmpty
            ? Task.FromResult<IReadOnlyList<CompiledFile>>([new CompiledFile(fileName, model.Model)])
            : RelocatedOutputFilesAsync(name, fileName, model, cancellationToken);
    }

    /// <summary>
    /// The model rewritten to name its data file after it, and that file. Apart from <see cref="OutputFilesAsync"/>: its
    /// state machine holds a parsed model, and a warm run without external data must not load the protobuf library.
    /// </summary>
    private async Task<IReadOnlyList<CompiledFile>> RelocatedOutputFilesAsync(
        string name,
        string fileName,
        StoredModel model,
        CancellationToken cancellationToken)
    {
        var dataFile = name + OnnxExternalData.FileSuffix;
        ModelProto proto;
        using (var stream = _services.Cache.Content.TryOpen(model.Model.Digest)
            ?? throw new InvalidOperationException($"Blob {model.Model} vanished from the cache."))
        {
            proto = OnnxModelFile.Read(stream, name);
        }

        OnnxExternalData.Relocate(proto, dataFile);
        var renamed = await _services.Cache.Content.PutAsync(OnnxModelFile.Write(proto), cancellationToken).ConfigureAwait(false);
        return [new CompiledFile(fileName, renamed), .. model.Data.Values.Select(d => new CompiledFile(dataFile, d))];
    }

    /// <summary>
    /// An input or output as the accessor publishes it. Preprocessing that is baked in is not published (the
    /// model takes raw values in the fed encoding); otherwise the app applies mean, scale and the model's encoding.
    /// </summary>
    private static TensorDescription Describe(OnnxValueInfo value, ResolvedInput? resolved, bool baked) => new(
        value.Name,
        OnnxElementType.NumPyName(value.ElementType),
        value.Shape?.Dimensions.Select(d => d.Value ?? -1).ToImmutableArray() ?? [],
        resolved?.Layout?.Value,
        baked ? null : resolved?.MeanValues?.Value,
        baked ? null : resolved?.ScaleValues?.Value,
        resolved is null ? null : ColorEncodingNames.NameOf(baked ? resolved.Encoding.Value.To : resolved.Encoding.Value.From),
        resolved is null ? null : ResizeMethodNames.All[
            (int)(resolved.Calibration.Value is ImageCalibration images ? images.ResizeMethod : ResizeMethod.Resize)]);
}
