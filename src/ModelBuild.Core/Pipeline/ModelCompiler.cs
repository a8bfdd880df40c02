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

    /// <summary>Compiles one model. User mistakes come back as diagnostics, never as exceptions.</summary>
    public async Task<ModelCompileOutcome> CompileAsync(ModelCompileRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var diagnostics = new List<Diagnostic>();
        var dependencies = new List<string>();
        CompileState? state = null;
        try
        {
            state = Plan(request, diagnostics, dependencies);
            var model = state is null ? null : await CompileCoreAsync(state, cancellationToken).ConfigureAwait(false);
            return Outcome(state, diagnostics, dependencies, model);
        }
        catch (DiagnosticException e)
        {
            (state?.Diagnostics ?? diagnostics).Add(e.Diagnostic);
            return Outcome(state, diagnostics, dependencies, null);
        }
        catch (CompileStoppedException)
        {
            return Outcome(state, diagnostics, dependencies, null);
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
    /// What is known before any step runs: the manifest, the target and precision, the single ONNX stage, the
    /// vendor's route and the source. Null after adding the reasons to <paramref name="diagnostics"/>.
    /// </summary>
    /// <param name="request">The model's request.</param>
    /// <param name="diagnostics">Receives the problems found before the state exists.</param>
    /// <param name="dependencies">Receives the manifest's path, read even when it has errors.</param>
    internal CompileState? Plan(ModelCompileRequest request, List<Diagnostic> diagnostics, List<string> dependencies)
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
        var loaded = ManifestLoader.Load(manifestPath, request.Overrides);
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
        var stage = ConversionPlanner.SingleOnnxStage(manifest, engine.DisplayVersion);
        var vendor = VendorCompileChoice.For(request, selection, stage);
        var input = InputModelSource.From(stage.InputModel, Path.GetDirectoryName(manifestPath)!);
        return new CompileState(request, manifestPath, manifest, stage, selection, input) { Vendor = vendor };
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

            await step.RunAsync(state, cancellationToken).ConfigureAwait(false);
            if (step.Stage == PipelineStage.Download && state.StopsAfter(PipelineStage.Download))
            {
                return null;
            }
        }

        return converted || ConversionPassed(state) ? await PackageAsync(state, cancellationToken).ConfigureAwait(false) : null;
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
            Labels = state.Manifest.Labels,
            LabeledOutput = state.Manifest.LabeledOutput,
            ApplySoftmax = state.Manifest.ApplySoftmax,
        };
    }

    /// <summary>The outcome, with what planning found before the state existed first.</summary>
    private static ModelCompileOutcome Outcome(
        CompileState? state,
        List<Diagnostic> diagnostics,
        List<string> dependencies,
        CompiledModel? model)
    {
        if (state is null)
        {
            return new ModelCompileOutcome(null, diagnostics, dependencies, 0, 0);
        }

        state.Diagnostics.InsertRange(0, diagnostics);
        state.Dependencies.InsertRange(0, dependencies);
        return state.Outcome(model);
    }

    /// <summary>The files of the compiled model; a model with external data gets its data file named after it.</summary>
    private async Task<IReadOnlyList<CompiledFile>> OutputFilesAsync(
        string name,
        TargetSelection selection,
        StoredModel model,
        CancellationToken cancellationToken)
    {
        var extension = selection.Target.OutputExtensions[0];
        if (model.Data.IsEmpty)
        {
            return [new CompiledFile(name + extension, model.Model)];
        }

        var dataFile = name + OnnxExternalData.FileSuffix;
        ModelProto proto;
        using (var stream = _services.Cache.Content.TryOpen(model.Model.Digest)
            ?? throw new InvalidOperationException($"Blob {model.Model} vanished from the cache."))
        {
            proto = OnnxModelFile.Read(stream, name);
        }

        OnnxExternalData.Relocate(proto, dataFile);
        var renamed = await _services.Cache.Content.PutAsync(OnnxModelFile.Write(proto), cancellationToken).ConfigureAwait(false);
        return [new CompiledFile(name + extension, renamed), .. model.Data.Values.Select(d => new CompiledFile(dataFile, d))];
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
