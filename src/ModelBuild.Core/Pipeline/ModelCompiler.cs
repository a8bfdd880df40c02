using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Pipeline.Validation;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Targets;
using ModelBuild.Runtime;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// Plans and runs the actions of one model, cache first: fetch the source, <c>inspect</c> it, <c>prepare</c> it
/// (input shapes, frozen inputs, preprocessing, input types, outputs, simplify), convert it to <c>fp16</c> when the
/// precision asks, write the <c>ort</c> format for that target, and describe it for the accessor. Every converting
/// action checks its result against the original model by running both. Each action is keyed by its inputs'
/// digests, its options, the engine and the salt; a key already in the action cache is never computed again,
/// by this process or any other.
/// </summary>
public sealed class ModelCompiler
{
    private const string SignatureOutput = ActionOutputs.Signature;
    private const string ReportOutput = ActionOutputs.Report;
    private readonly ModelBuildCache _cache;
    private readonly SourceFetcher _fetcher;
    private readonly EngineIdentity _engine;
    private readonly ActionKeys _keys;
    private readonly ActionRunner _actions;
    private readonly ModelStore _store;
    private readonly Action<string> _log;

    /// <param name="cache">The local cache every action reads and writes.</param>
    /// <param name="fetcher">Brings model sources into <paramref name="cache"/>.</param>
    /// <param name="engine">Goes into every action key.</param>
    /// <param name="salt">The user's salt (ModelBuildCacheSalt), mixed into every action key.</param>
    /// <param name="log">Progress messages for people (waiting for another process, conversions checked).</param>
    public ModelCompiler(ModelBuildCache cache, SourceFetcher fetcher, EngineIdentity engine, string? salt, Action<string>? log = null)
    {
        _cache = cache;
        _fetcher = fetcher;
        _engine = engine;
        _keys = new ActionKeys(engine, salt);
        _log = log ?? (_ => { });
        _actions = new ActionRunner(cache, log);
        _store = new ModelStore(cache);
    }

    /// <summary>Compiles one model. User mistakes come back as diagnostics, never as exceptions.</summary>
    public async Task<ModelCompileOutcome> CompileAsync(ModelCompileRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var run = new CompileRun(request);
        try
        {
            var model = await CompileCoreAsync(run, cancellationToken).ConfigureAwait(false);
            return run.Outcome(model);
        }
        catch (DiagnosticException e)
        {
            run.Diagnostics.Add(e.Diagnostic);
            return run.Outcome(null);
        }
        catch (CompileStoppedException)
        {
            return run.Outcome(null);
        }
    }

    /// <summary>
    /// The plan of one model's compile and each action's key, computed without writing anything: the source's
    /// digest comes from its pin or, for a local file, from reading it; a key that depends on an action that has
    /// not run yet is unknown. User mistakes come back as diagnostics.
    /// </summary>
    public Task<ConversionPreview> PreviewAsync(ModelCompileRequest request, CancellationToken cancellationToken = default) =>
        new ConversionPreviewer(_cache, _actions, _keys, _engine).PreviewAsync(request, cancellationToken);

    private async Task<CompiledModel?> CompileCoreAsync(CompileRun run, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var manifestPath = Path.GetFullPath(request.ManifestPath);
        run.Dependencies.Add(manifestPath);
        var load = ManifestLoader.Load(manifestPath, request.Overrides);
        run.Diagnostics.AddRange(load.Diagnostics);
        if (load.Manifest is not { } manifest)
        {
            return null;
        }

        var selection = TargetSelection.Resolve(request.Target, request.Precision, _engine.DisplayVersion, request.TargetAt, request.PrecisionAt);
        var stage = ConversionPlanner.SingleOnnxStage(manifest, _engine.DisplayVersion);
        var inputModel = stage.InputModel;
        var input = InputModelSource.From(inputModel, Path.GetDirectoryName(manifestPath)!);
        var source = input.Source;
        run.Diagnostics.AddRange(input.Warnings);
        if (manifest.LabelsFile is { } labelsFile)
        {
            run.Dependencies.Add(labelsFile);
        }

        // Once across processes, and from the remote cache when it has the pinned blob.
        var fetched = inputModel.OpenModelZoo is { } omz
            ? await OpenModelZooInput.FetchAsync(_cache, _fetcher, _actions, _keys, run.Tally, omz, inputModel.Source, cancellationToken).ConfigureAwait(false)
            : await _actions.FetchAsync(source, input.Pin.Sha256, $"{request.Name}: fetch", () => _fetcher.FetchAsync(
                source,
                input.Pin,
                inputModel.Source.Location,
                progress: null,
                cancellationToken), cancellationToken).ConfigureAwait(false);
        run.Diagnostics.AddRange(fetched.Warnings);
        if (fetched.LocalPath is { } localPath)
        {
            run.Dependencies.Add(Path.GetFullPath(localPath));
        }

        if (run.StopsAfter(PipelineStage.Download))
        {
            return null;
        }

        // The source as diagnostics may show it: an absolute path, or a URL without credentials.
        var displayName = source.DisplayText;
        var (original, externalData) = await InspectAsync(run, fetched.Blob, displayName, inputModel.Source.Location, cancellationToken).ConfigureAwait(false);
        var model = new ModelSource(
            await StoreExternalDataAsync(run, fetched, externalData, displayName, inputModel.Source.Location, cancellationToken).ConfigureAwait(false),
            displayName,
            inputModel.Source.Location);

        var resolution = ManifestInputResolver.Resolve(stage, ConversionPlanner.ModelInputs(original));
        run.Diagnostics.AddRange(resolution.Diagnostics);
        if (!resolution.Succeeded)
        {
            return null;
        }

        var planDiagnostics = new DiagnosticBag();
        var plan = ConversionPlanner.Create(stage, resolution.Inputs, original, selection, manifestPath, planDiagnostics);
        run.Diagnostics.AddRange(planDiagnostics.Items);
        if (plan is null)
        {
            return null;
        }

        run.Dependencies.AddRange(plan.Feeds.Select(f => f.Source).OfType<ImageSamples>().SelectMany(s => s.Files).Select(f => f.Path));
        var steps = new List<StepOutcome>();
        var current = await PrepareAsync(run, model, plan, cancellationToken).ConfigureAwait(false);
        steps.Add(current);
        if (plan.Float16 is { } float16)
        {
            current = await Float16Async(run, model, current, plan, float16, cancellationToken).ConfigureAwait(false);
            steps.Add(current);
        }

        if (plan.OrtFormat)
        {
            current = await OrtFormatAsync(run, model, current, plan, cancellationToken).ConfigureAwait(false);
            steps.Add(current);
        }

        foreach (var step in steps)
        {
            run.Diagnostics.AddRange(ValidationJudge.Judge(step, plan, selection, model));
        }

        if (run.Diagnostics.Any(d => d.IsError))
        {
            return null;
        }

        // No quantize pass exists yet (INT8 precisions are refused above): quantizing ends where converting ends.
        if (run.StopsAfter(PipelineStage.Convert) || run.StopsAfter(PipelineStage.Quantize))
        {
            return null;
        }

        var files = await OutputFilesAsync(request.Name, selection, current.Model, cancellationToken).ConfigureAwait(false);
        var outputLayouts = stage.Outputs.Where(o => o.Layout is not null).ToDictionary(o => o.Name.Value, o => o.Layout!.Value, StringComparer.Ordinal);
        return new CompiledModel(
            request.Name,
            manifestPath,
            selection,
            files,
            [.. current.Signature.Inputs.Select(v => Describe(v, resolution.Inputs.FirstOrDefault(r => r.Name.Value == v.Name), plan.Baked.Contains(v.Name)))],
            [.. current.Signature.Outputs.Select(v => Describe(v, null, false) with { Layout = outputLayouts.GetValueOrDefault(v.Name) })])
        {
            BuildInfo = BuildInfo.Create(_engine, _keys, request, selection, model, fetched, steps, plan, files),
            Labels = manifest.Labels,
        };
    }

    /// <summary>The inspect action: the model's signature (and the external data files it names), so later runs never parse the model again.</summary>
    private async Task<(OnnxModelSignature Signature, IReadOnlyList<string> ExternalData)> InspectAsync(
        CompileRun run, StoredBlob source, string displayName, SourceLocation? at, CancellationToken cancellationToken)
    {
        var key = _keys.Inspect(source.Digest);
        var record = await _actions.RunAsync(key, $"{run.Request.Name}: inspect", async () =>
        {
            ModelProto proto;
            using (var stream = _cache.Content.TryOpen(source.Digest) ?? throw new InvalidOperationException($"Blob {source} vanished from the cache."))
            {
                proto = ModelStore.ReadAt(() => OnnxModelFile.Read(stream, displayName), at);
            }

            var signature = SignatureJson.Write(OnnxModelSignature.FromModel(proto), OnnxExternalData.Locations(proto));
            return new ActionRecord("inspect", [new(SignatureOutput, await _cache.Content.PutAsync(signature, cancellationToken).ConfigureAwait(false))]);
        }, run.Tally, cancellationToken).ConfigureAwait(false);
        var bytes = await _actions.ReadBlobAsync(record.Outputs[SignatureOutput], cancellationToken).ConfigureAwait(false);
        return (SignatureJson.Read(bytes), SignatureJson.ReadExternalData(bytes));
    }

    /// <summary>Brings the source's external data files (found beside a local source) into the store.</summary>
    private async Task<StoredModel> StoreExternalDataAsync(
        CompileRun run, FetchedContent fetched, IReadOnlyList<string> locations, string displayName, SourceLocation? at, CancellationToken cancellationToken)
    {
        var stored = StoredModel.OneFile(fetched.Blob);
        if (locations.Count == 0)
        {
            return stored;
        }

        if (fetched.LocalPath is not { } localPath)
        {
            throw new DiagnosticException(PipelineDiagnostics.ExternalDataNotLocal.Create(at, displayName, string.Join(", ", locations)));
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(localPath))!;
        var data = stored.Data;
        foreach (var location in locations)
        {
            var path = Path.Combine(folder, location);
            if (!OnnxExternalData.IsSafeLocation(location))
            {
                throw new DiagnosticException(OnnxDiagnostics.ExternalDataLocationInvalid.Create(at, "(tensors)", displayName, location));
            }

            if (!File.Exists(path))
            {
                throw new DiagnosticException(OnnxDiagnostics.ExternalDataFileMissing.Create(at, "(tensors)", displayName, location));
            }

            run.Dependencies.Add(path);
            data = data.Add(location, await _cache.Content.PutFileAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false));
        }

        return stored with { Data = data };
    }

    /// <summary>The prepare action: the plan's passes on the source model, checked in ONNX Runtime and against the original.</summary>
    private async Task<StepOutcome> PrepareAsync(CompileRun run, ModelSource model, ConversionPlan plan, CancellationToken cancellationToken)
    {
        var key = _keys.Prepare(model.Stored, plan);
        return await RunStepAsync(run, "prepare", key, model, plan, async () =>
        {
            var original = _store.Read(model.Stored, model.DisplayName, model.At);
            var bag = new DiagnosticBag();
            var passes = new List<PassRecord>();
            var current = original;
            foreach (var pass in plan.Prepare)
            {
                var before = current.Graph.Node.Count;
                var next = pass.Apply(current, bag) ?? throw Stopped(run, bag);
                passes.Add(new PassRecord(pass.Name, pass.DescribeOptions(), before, next.Graph.Node.Count));
                current = next;
            }

            CheckStructure(current, "prepare");
            var overrides = plan.Prepare.OfType<InputShapePass>().SelectMany(p => p.DescribeOptions()["inputs"]!.AsArray())
                .Select(o => new InputShapeOverride((string)o!["name"]!, [.. o["shape"]!.AsArray().Select(d => (long)d!)]))
                .ToList();
            var signature = OnnxModelSignature.FromModel(current);

            // A frozen input is gone from the prepared model; only the inputs it still has are checked.
            overrides.RemoveAll(o => signature.FindInput(o.InputName) is null);
            try
            {
                using var runtimeModel = RuntimeModel.ForProto(current);
                RuntimeModelCheck.Check(runtimeModel, signature, overrides, model.DisplayName, model.At);
            }
            catch (DiagnosticException)
            {
                // The passes' warnings (a simplification that failed first, say) explain the error that follows.
                run.Diagnostics.AddRange(bag.Items);
                throw;
            }

            return (current, signature, passes, bag.Items.Where(d => !d.IsError).ToList(), original);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The fp16 action: the prepared model converted to float16, checked against the original.</summary>
    private async Task<StepOutcome> Float16Async(CompileRun run, ModelSource model, StepOutcome prepared, ConversionPlan plan, Float16Options options, CancellationToken cancellationToken)
    {
        var pass = new Float16Pass(options);
        var key = _keys.Convert("fp16", model.Stored, prepared.Model, pass.DescribeOptions(), plan);
        return await RunStepAsync(run, "fp16", key, model, plan, async () =>
        {
            var input = _store.Read(prepared.Model, model.DisplayName, model.At);
            var bag = new DiagnosticBag();
            var before = input.Graph.Node.Count;
            var converted = pass.Apply(input, bag) ?? throw Stopped(run, bag);
            CheckStructure(converted, "fp16");
            CheckLoads(converted, "FP16", model);
            var original = _store.Read(model.Stored, model.DisplayName, model.At);
            return (converted, OnnxModelSignature.FromModel(converted), [new PassRecord(pass.Name, pass.DescribeOptions(), before, converted.Graph.Node.Count)], bag.Items.ToList(), original);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The ort action: the model written in ONNX Runtime's own format (basic optimizations, portable across machines), checked against the original.</summary>
    private async Task<StepOutcome> OrtFormatAsync(CompileRun run, ModelSource model, StepOutcome previous, ConversionPlan plan, CancellationToken cancellationToken)
    {
        var options = new JsonObject { ["format"] = "ORT", ["level"] = "basic" };
        var key = _keys.Convert("ort", model.Stored, previous.Model, options, plan);
        var description = $"{run.Request.Name}: ort";
        var record = await _actions.RunAsync(key, description, async () =>
        {
            var clock = Stopwatch.StartNew();
            var input = _store.Read(previous.Model, model.DisplayName, model.At);
            byte[] ort;
            using (var scratch = new ScratchDirectory("ort"))
            using (var runtimeModel = RuntimeModel.ForProto(input))
            {
                var path = scratch.Combine("model.ort");
                try
                {
                    using (runtimeModel.Open(new SessionOptions
                    {
                        GraphOptimizationLevel = GraphOptimizationLevel.Basic,
                        OptimizedModelFilePath = path,
                        OptimizedModelFormat = OptimizedModelFormat.Ort,
                        LogSeverity = OnnxRuntimeLogSeverity.Fatal,
                        IntraOpThreads = 1,
                        InterOpThreads = 1,
                    }))
                    {
                    }
                }
                catch (OnnxRuntimeException e)
                {
                    throw new DiagnosticException(PipelineDiagnostics.ConvertedModelRejected.Create(model.At, OnnxRuntimeLibrary.Version, "ORT-format", model.DisplayName, e.NativeMessage));
                }

                if (new FileInfo(path).Length > OnnxModelFile.MaxSerializedSize)
                {
                    throw new DiagnosticException(PipelineDiagnostics.OrtFormatTooLarge.Create(model.At, model.DisplayName, new FileInfo(path).Length));
                }

                ort = OrtFormatCanonicalizer.Canonicalize(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false));
            }

            var original = _store.Read(model.Stored, model.DisplayName, model.At);
            using var ortModel = RuntimeModel.ForBytes(ort);
            var validation = ConversionValidator.Validate(original, ortModel, plan, input);
            var report = new StepReport("ort", [new PassRecord("ort_format", options, input.Graph.Node.Count, input.Graph.Node.Count)], validation, []);
            Log(run, "ort", report, clock);
            return new ActionRecord("ort",
            [
                new(ActionOutputs.Model, await _cache.Content.PutAsync(ort, cancellationToken).ConfigureAwait(false)),
                new(SignatureOutput, await _cache.Content.PutAsync(SignatureJson.Write(previous.Signature), cancellationToken).ConfigureAwait(false)),
                new(ReportOutput, await _cache.Content.PutAsync(report.ToBytes(), cancellationToken).ConfigureAwait(false)),
            ]);
        }, run.Tally, cancellationToken).ConfigureAwait(false);
        return await StepFromRecordAsync("ort", key, record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs one converting step as an action: the conversion, the validation, and the report, all stored together.</summary>
    private async Task<StepOutcome> RunStepAsync(
        CompileRun run,
        string step,
        ActionKey key,
        ModelSource model,
        ConversionPlan plan,
        Func<Task<(ModelProto Converted, OnnxModelSignature Signature, List<PassRecord> Passes, List<Diagnostic> Warnings, ModelProto Original)>> convert,
        CancellationToken cancellationToken)
    {
        var record = await _actions.RunAsync(key, $"{run.Request.Name}: {step}", async () =>
        {
            var clock = Stopwatch.StartNew();
            var (converted, signature, passes, warnings, original) = await convert().ConfigureAwait(false);
            ValidationResult validation;
            using (var runtimeModel = RuntimeModel.ForProto(converted))
            {
                validation = ConversionValidator.Validate(original, runtimeModel, plan, converted);
            }

            var report = new StepReport(step, [.. passes], validation, [.. warnings.Select(w => w with { Location = null })]);
            Log(run, step, report, clock);
            var stored = await _store.PutAsync(converted, cancellationToken).ConfigureAwait(false);
            return new ActionRecord(step,
            [
                .. stored.Named(),
                new(SignatureOutput, await _cache.Content.PutAsync(SignatureJson.Write(signature), cancellationToken).ConfigureAwait(false)),
                new(ReportOutput, await _cache.Content.PutAsync(report.ToBytes(), cancellationToken).ConfigureAwait(false)),
            ]);
        }, run.Tally, cancellationToken).ConfigureAwait(false);
        return await StepFromRecordAsync(step, key, record, cancellationToken).ConfigureAwait(false);
    }

    private async Task<StepOutcome> StepFromRecordAsync(string step, ActionKey key, ActionRecord record, CancellationToken cancellationToken)
    {
        var signature = SignatureJson.Read(await _actions.ReadBlobAsync(record.Outputs[SignatureOutput], cancellationToken).ConfigureAwait(false));
        var report = StepReport.FromBytes(await _actions.ReadBlobAsync(record.Outputs[ReportOutput], cancellationToken).ConfigureAwait(false));
        return new StepOutcome(step, key, StoredModel.FromRecord(record), signature, report);
    }

    private void Log(CompileRun run, string step, StepReport report, Stopwatch clock)
    {
        var validation = report.Validation.Skipped is { } skipped
            ? $"not validated ({skipped})"
            : $"checked against the original on {report.Validation.Samples} inputs: " + string.Join("; ", report.Validation.Outputs.Select(o => o.Describe()));
        _log(string.Create(CultureInfo.InvariantCulture, $"ModelBuild: {run.Request.Name}: {step} ({string.Join(", ", report.Passes.Select(p => p.Name).DefaultIfEmpty("no passes"))}) {validation}; {clock.Elapsed.TotalSeconds:0.00} s."));
    }

    /// <summary>The files of the compiled model; a model with external data gets its data file named after it.</summary>
    private async Task<IReadOnlyList<CompiledFile>> OutputFilesAsync(string name, TargetSelection selection, StoredModel model, CancellationToken cancellationToken)
    {
        var extension = selection.Target.OutputExtensions[0];
        if (model.Data.IsEmpty)
        {
            return [new CompiledFile(name + extension, model.Model)];
        }

        var dataFile = name + OnnxExternalData.FileSuffix;
        ModelProto proto;
        using (var stream = _cache.Content.TryOpen(model.Model.Digest) ?? throw new InvalidOperationException($"Blob {model.Model} vanished from the cache."))
        {
            proto = OnnxModelFile.Read(stream, name);
        }

        OnnxExternalData.Relocate(proto, dataFile);
        var renamed = await _cache.Content.PutAsync(OnnxModelFile.Write(proto), cancellationToken).ConfigureAwait(false);
        return [new CompiledFile(name + extension, renamed), .. model.Data.Values.Select(d => new CompiledFile(dataFile, d))];
    }

    /// <summary>A pass result that breaks the model's structure is an engine fault, never the user's.</summary>
    private static void CheckStructure(ModelProto model, string step)
    {
        var problems = OnnxModelValidator.Validate(model);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"The {step} step produced an invalid model: {problems[0].Message}");
        }
    }

    private static void CheckLoads(ModelProto model, string description, ModelSource source)
    {
        try
        {
            using var runtimeModel = RuntimeModel.ForProto(model);
            using var session = runtimeModel.Open(new SessionOptions { LogSeverity = OnnxRuntimeLogSeverity.Fatal, GraphOptimizationLevel = GraphOptimizationLevel.DisableAll });
        }
        catch (OnnxRuntimeException e)
        {
            throw new DiagnosticException(PipelineDiagnostics.ConvertedModelRejected.Create(source.At, OnnxRuntimeLibrary.Version, description, source.DisplayName, e.NativeMessage));
        }
    }

    private static CompileStoppedException Stopped(CompileRun run, DiagnosticBag bag)
    {
        run.Diagnostics.AddRange(bag.Items);
        return new CompileStoppedException();
    }

    /// <summary>
    /// An input or output as the accessor publishes it. Preprocessing that is baked in is not published (the
    /// model takes raw values in the fed encoding); otherwise the app applies mean, scale and the model's encoding.
    /// </summary>
    private static TensorDescription Describe(OnnxValueInfo value, ResolvedInput? resolved, bool baked) => new(
        value.Name,
        TensorElementNames.NumPyName(value.ElementType),
        value.Shape?.Dimensions.Select(d => d.Value ?? -1).ToImmutableArray() ?? [],
        resolved?.Layout?.Value,
        baked ? null : resolved?.MeanValues?.Value,
        baked ? null : resolved?.ScaleValues?.Value,
        resolved is null ? null : EncodingSpec.NameOf(baked ? resolved.Encoding.Value.To : resolved.Encoding.Value.From));

    /// <summary>The diagnostics, dependencies and counters of one model's compile.</summary>
    private sealed class CompileRun(ModelCompileRequest request)
    {
        public ModelCompileRequest Request { get; } = request;

        public List<Diagnostic> Diagnostics { get; } = [];

        public List<string> Dependencies { get; } = [];

        public ActionTally Tally { get; } = new();

        /// <summary>The last stage passed, whether or not the request stops there.</summary>
        public PipelineStage? Completed { get; private set; }

        /// <summary>Records that <paramref name="stage"/> is done; true when the request asked to stop after it.</summary>
        public bool StopsAfter(PipelineStage stage)
        {
            Completed = stage;
            return Request.StopAfter == stage;
        }

        public ModelCompileOutcome Outcome(CompiledModel? model)
        {
            var failed = Diagnostics.Any(d => d.IsError);
            return new(failed ? null : model, Diagnostics, Dependencies, Tally.Run, Tally.Cached)
            {
                Completed = failed ? null : model is not null ? PipelineStage.Package : Completed == Request.StopAfter ? Completed : null,
                Actions = [.. Tally.Traces],
            };
        }
    }

    /// <summary>Unwinds a compile whose reasons are already in its diagnostics.</summary>
    private sealed class CompileStoppedException : Exception;
}
