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
    private const string ModelOutput = "model";
    private const string SourceInput = "source";
    private const string SignatureOutput = "signature";
    private const string ReportOutput = "report";
    private readonly ModelBuildCache _cache;
    private readonly SourceFetcher _fetcher;
    private readonly EngineIdentity _engine;
    private readonly string? _salt;
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
        _salt = salt;
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
    public async Task<ConversionPreview> PreviewAsync(ModelCompileRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var diagnostics = new List<Diagnostic>();
        var steps = new List<PreviewStep>();
        TargetSelection? selection = null;
        string? sourceText = null;
        try
        {
            var manifestPath = Path.GetFullPath(request.ManifestPath);
            var load = ManifestLoader.Load(manifestPath);
            diagnostics.AddRange(load.Diagnostics);
            if (load.Manifest is { } manifest)
            {
                selection = TargetSelection.Resolve(request.Target, request.Precision, _engine.DisplayVersion, request.TargetAt, request.PrecisionAt);
                var stage = SingleOnnxStage(manifest);
                var source = SourceReference.Parse(stage.InputModel.Source.Value, Path.GetDirectoryName(manifestPath)!, stage.InputModel.Source.Location);
                sourceText = source.DisplayText;
                await PreviewStepsAsync(request, manifestPath, stage, selection, source, steps, diagnostics, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DiagnosticException e)
        {
            diagnostics.Add(e.Diagnostic);
        }

        string[] files = selection is null ? [] : [request.Name + selection.Target.OutputExtensions[0], BuildInfo.FileName];
        return new ConversionPreview(request.Name, selection, sourceText, steps, files, diagnostics);
    }

    private async Task PreviewStepsAsync(
        ModelCompileRequest request, string manifestPath, ManifestStage stage, TargetSelection selection, SourceReference source,
        List<PreviewStep> steps, List<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        var local = source as LocalFileSource;
        var digest = stage.InputModel.Sha256 is { } pin ? Sha256Digest.Parse(pin.Value)
            : local is not null && File.Exists(local.FullPath) ? Sha256Digest.ComputeFile(local.FullPath)
            : (Sha256Digest?)null;
        if (digest is not { } sourceDigest)
        {
            steps.Add(new PreviewStep("inspect", null, false, new JsonObject(), $"the key is known once {source.DisplayText} is fetched (pin its sha256 to know it now)"));
            return;
        }

        var inspectKey = InspectKey(sourceDigest);
        var inspected = _cache.Actions.TryGet(inspectKey);
        steps.Add(new PreviewStep("inspect", inspectKey, inspected is not null, new JsonObject(), null));
        OnnxModelSignature? original = null;
        IReadOnlyList<string> externalData = [];
        if (inspected is not null)
        {
            var bytes = await _actions.ReadBlobAsync(inspected.Outputs[SignatureOutput], cancellationToken).ConfigureAwait(false);
            (original, externalData) = (SignatureJson.Read(bytes), SignatureJson.ReadExternalData(bytes));
        }
        else if (local is not null)
        {
            var proto = Located(() => OnnxModelFile.Read(local.FullPath), stage.InputModel.Source.Location);
            (original, externalData) = (OnnxModelSignature.FromModel(proto), OnnxExternalData.Locations(proto));
        }

        if (original is null)
        {
            steps.Add(new PreviewStep("prepare", null, false, new JsonObject(), "planned once the source is fetched and inspected"));
            return;
        }

        var stored = StoredModel.OneFile(new StoredBlob(sourceDigest, stage.InputModel.Size?.Value ?? 0));
        foreach (var location in externalData)
        {
            var path = local is null ? null : Path.Combine(Path.GetDirectoryName(local.FullPath)!, location);
            if (path is null || !OnnxExternalData.IsSafeLocation(location) || !File.Exists(path))
            {
                throw new DiagnosticException(PipelineDiagnostics.ExternalDataNotLocal.Create(stage.InputModel.Source.Location, source.DisplayText, string.Join(", ", externalData)));
            }

            stored = stored with { Data = stored.Data.Add(location, new StoredBlob(Sha256Digest.ComputeFile(path), new FileInfo(path).Length)) };
        }

        var resolution = ManifestInputResolver.Resolve(stage, [.. original.Inputs.Select(ToModelInput)]);
        diagnostics.AddRange(resolution.Diagnostics);
        var bag = new DiagnosticBag();
        var plan = resolution.Succeeded ? ConversionPlanner.Create(stage, resolution.Inputs, original, selection, manifestPath, bag) : null;
        diagnostics.AddRange(bag.Items);
        if (plan is null)
        {
            return;
        }

        var prepareKey = PrepareKey(stored, plan);
        var previous = _cache.Actions.TryGet(prepareKey);
        steps.Add(new PreviewStep("prepare", prepareKey, previous is not null, plan.PrepareOptions(), null));
        if (plan.Float16 is { } float16)
        {
            var options = new Float16Pass(float16).DescribeOptions();
            var key = previous is null ? (ActionKey?)null : ConvertKey("fp16", stored, StoredModel.FromRecord(previous), options, plan);
            previous = key is { } k ? _cache.Actions.TryGet(k) : null;
            steps.Add(new PreviewStep("fp16", key, previous is not null, options, key is null ? "the key is known once prepare has run" : null));
        }

        if (plan.OrtFormat)
        {
            var options = new JsonObject { ["format"] = "ORT", ["level"] = "basic" };
            var key = previous is null ? (ActionKey?)null : ConvertKey("ort", stored, StoredModel.FromRecord(previous), options, plan);
            steps.Add(new PreviewStep("ort", key, key is { } k && _cache.Actions.TryGet(k) is not null, options, key is null ? "the key is known once the step before has run" : null));
        }
    }

    private async Task<CompiledModel?> CompileCoreAsync(CompileRun run, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var manifestPath = Path.GetFullPath(request.ManifestPath);
        run.Dependencies.Add(manifestPath);
        var load = ManifestLoader.Load(manifestPath);
        run.Diagnostics.AddRange(load.Diagnostics);
        if (load.Manifest is not { } manifest)
        {
            return null;
        }

        var selection = TargetSelection.Resolve(request.Target, request.Precision, _engine.DisplayVersion, request.TargetAt, request.PrecisionAt);
        var stage = SingleOnnxStage(manifest);
        var inputModel = stage.InputModel;
        var source = SourceReference.Parse(inputModel.Source.Value, Path.GetDirectoryName(manifestPath)!, inputModel.Source.Location);
        var fetched = await _fetcher.FetchAsync(
            source,
            inputModel.Sha256 is { } sha ? Sha256Digest.Parse(sha.Value) : null,
            inputModel.Size?.Value,
            inputModel.Source.Location,
            cancellationToken).ConfigureAwait(false);
        run.Diagnostics.AddRange(fetched.Warnings);
        if (fetched.LocalPath is { } localPath)
        {
            run.Dependencies.Add(Path.GetFullPath(localPath));
        }

        // The source as diagnostics may show it: an absolute path, or a URL without credentials.
        var displayName = source.DisplayText;
        var (original, externalData) = await InspectAsync(run, fetched.Blob, displayName, inputModel.Source.Location, cancellationToken).ConfigureAwait(false);
        var model = new ModelSource(
            await StoreExternalDataAsync(run, fetched, externalData, displayName, inputModel.Source.Location, cancellationToken).ConfigureAwait(false),
            displayName,
            inputModel.Source.Location);

        var resolution = ManifestInputResolver.Resolve(stage, [.. original.Inputs.Select(ToModelInput)]);
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
            Judge(run, step, plan, selection, model);
        }

        if (run.Diagnostics.Any(d => d.IsError))
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
            BuildInfo = CreateBuildInfo(request, selection, model, fetched, steps, plan, files),
        };
    }

    /// <summary>The stage of a single-stage ONNX manifest; the second stage is where multi-stage manifests go beyond this version.</summary>
    private ManifestStage SingleOnnxStage(ModelManifest manifest)
    {
        var stage = manifest.SingleStage ?? throw new DiagnosticException(PipelineDiagnostics.MultiStageNotImplemented.Create(
            manifest.Stages[1].Name.Location, manifest.FilePath, manifest.Stages.Count, string.Join(", ", manifest.Stages.Select(s => s.Name.Value)), _engine.DisplayVersion));
        var inputModel = stage.InputModel;
        return inputModel.Format is ModelFileFormat.Onnx or ModelFileFormat.Unknown
            ? stage
            : throw new DiagnosticException(PipelineDiagnostics.UnsupportedModelFormat.Create(
                inputModel.Source.Location, inputModel.Source.Value, inputModel.Format, _engine.DisplayVersion));
    }

    /// <summary>The inspect action: the model's signature (and the external data files it names), so later runs never parse the model again.</summary>
    private async Task<(OnnxModelSignature Signature, IReadOnlyList<string> ExternalData)> InspectAsync(
        CompileRun run, StoredBlob source, string displayName, SourceLocation? at, CancellationToken cancellationToken)
    {
        var key = InspectKey(source.Digest);
        var record = await _actions.RunAsync(key, $"{run.Request.Name}: inspect", async () =>
        {
            ModelProto proto;
            using (var stream = _cache.Content.TryOpen(source.Digest) ?? throw new InvalidOperationException($"Blob {source} vanished from the cache."))
            {
                proto = Located(() => OnnxModelFile.Read(stream, displayName), at);
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
        var key = PrepareKey(model.Stored, plan);
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
        var key = ConvertKey("fp16", model.Stored, prepared.Model, pass.DescribeOptions(), plan);
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
        var key = ConvertKey("ort", model.Stored, previous.Model, options, plan);
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
            var validation = Validate(original, ortModel, plan, input);
            var report = new StepReport("ort", [new PassRecord("ort_format", options, input.Graph.Node.Count, input.Graph.Node.Count)], validation, []);
            Log(run, "ort", report, clock);
            return new ActionRecord("ort",
            [
                new(ModelOutput, await _cache.Content.PutAsync(ort, cancellationToken).ConfigureAwait(false)),
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
                validation = Validate(original, runtimeModel, plan, converted);
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

    /// <summary>Runs the original and the converted model side by side, unless the manifest turned validation off.</summary>
    private static ValidationResult Validate(ModelProto original, RuntimeModel converted, ConversionPlan plan, ModelProto convertedProto)
    {
        if (!plan.Validation.Enabled)
        {
            return ValidationResult.NotRun("validation: false in the manifest");
        }

        var inputTypes = OnnxModelSignature.FromModel(convertedProto).Inputs.ToDictionary(i => i.Name, i => i.ElementType, StringComparer.Ordinal);
        var feeds = plan.Feeds.Select(f => f with { ConvertedType = inputTypes.TryGetValue(f.Name, out var type) ? type : null }).ToList();
        if (feeds.FirstOrDefault(f => !Feedable(f.OriginalType) || (f.ConvertedType is { } t && !Feedable(t))) is { } unfeedable)
        {
            return ValidationResult.NotRun($"input '{unfeedable.Name}' is {OnnxElementType.Name(unfeedable.OriginalType)}, which validation cannot generate");
        }

        try
        {
            return ModelComparison.Run(original, converted, feeds, plan.Validation.Samples, plan.Validation.Seed, ClassifierOutputs(convertedProto));
        }
        catch (OnnxRuntimeException e)
        {
            return ValidationResult.NotRun($"ONNX Runtime {OnnxRuntimeLibrary.Version} could not run both models: {e.NativeMessage}");
        }
    }

    private static bool Feedable(int elementType) =>
        elementType is >= 1 and <= 7 or >= 9 and <= 13 or 16;

    /// <summary>Outputs that hold class scores on their last axis: two-dimensional ones, or those a Softmax produces.</summary>
    private static HashSet<string> ClassifierOutputs(ModelProto model)
    {
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in model.Graph.Node)
        {
            foreach (var output in node.Output)
            {
                producers[output] = node;
            }
        }

        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var output in OnnxModelSignature.FromModel(model).Outputs.Where(o => o.Shape is { Rank: >= 2 } shape && shape[shape.Rank - 1].Value is not < 2))
        {
            var name = output.Name;

            // Looks through the boundary Casts FP16 adds.
            while (producers.TryGetValue(name, out var producer) && producer.OpType is "Cast" or "Identity")
            {
                name = producer.Input[0];
            }

            if (output.Shape!.Rank == 2 || (producers.TryGetValue(name, out var source) && source.OpType is "Softmax" or "LogSoftmax"))
            {
                result.Add(output.Name);
            }
        }

        return result;
    }

    /// <summary>Turns a step's stored validation into diagnostics on every run, cached or not: thresholds judge, they do not compute.</summary>
    private static void Judge(CompileRun run, StepOutcome step, ConversionPlan plan, TargetSelection selection, ModelSource model)
    {
        var at = plan.Validation.Location ?? model.At;
        run.Diagnostics.AddRange(step.Report.Warnings.Select(w => w with { Location = model.At }));
        var stepName = step.Step switch { "fp16" => "FP16", "ort" => "ORT-format", _ => "prepared" };
        var passes = string.Join(", ", step.Report.Passes.Select(p => p.Name).DefaultIfEmpty("no passes"));
        var validation = step.Report.Validation;
        if (validation.Skipped is { } reason)
        {
            if (plan.Validation.Enabled)
            {
                run.Diagnostics.Add(PipelineDiagnostics.ValidationSkipped.Create(at, stepName, model.DisplayName, passes, reason));
            }

            return;
        }

        var misses = validation.Outputs
            .Select(o => (Output: o, Misses: plan.Thresholds.Misses(o)))
            .Where(m => m.Misses.Count > 0)
            .Select(m => $"{m.Output.Describe()} ({string.Join("; ", m.Misses)})")
            .ToList();
        if (misses.Count == 0)
        {
            return;
        }

        var descriptor = plan.Validation.OnFailure == ValidationFailure.Warning ? PipelineDiagnostics.ValidationFailedWarning : PipelineDiagnostics.ValidationFailed;
        run.Diagnostics.Add(descriptor.Create(at, stepName, model.DisplayName, passes, selection.Precision, validation.Samples, string.Join("; ", misses)));
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

    private JsonObject CreateBuildInfo(ModelCompileRequest request, TargetSelection selection, ModelSource model, FetchedContent fetched, IReadOnlyList<StepOutcome> steps, ConversionPlan plan, IReadOnlyList<CompiledFile> files)
    {
        var actions = new JsonArray
        {
            new JsonObject
            {
                ["action"] = "inspect",
                ["key"] = InspectKey(fetched.Digest).Hex,
                ["inputs"] = new JsonObject { [ModelOutput] = fetched.Digest.Hex },
            },
        };
        foreach (var step in steps)
        {
            actions.Add(new JsonObject
            {
                ["action"] = step.Step,
                ["key"] = step.Key.Hex,
                ["outputs"] = new JsonObject([.. step.Model.Named().Select(n => new KeyValuePair<string, JsonNode?>(n.Key, n.Value.Digest.Hex))]),
                ["passes"] = new JsonArray([.. step.Report.Passes.Select(p => (JsonNode)p.ToJson())]),
                ["validation"] = step.Report.Validation.ToJson(),
            });
        }

        return new JsonObject
        {
            ["modelbuild"] = _engine.Version,
            ["onnxruntime"] = OnnxRuntimeLibrary.Version,
            ["name"] = request.Name,
            ["target"] = selection.Target.Name,
            ["precision"] = selection.Precision.Name,
            ["source"] = new JsonObject
            {
                ["location"] = model.DisplayName,
                ["sha256"] = fetched.Digest.Hex,
                ["size"] = fetched.Size,
                ["external_data"] = new JsonObject([.. model.Stored.Data.Select(d => new KeyValuePair<string, JsonNode?>(d.Key, d.Value.Digest.Hex))]),
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
            ["outputs"] = new JsonArray([.. files.Select(f => (JsonNode)new JsonObject { ["file"] = f.FileName, ["sha256"] = f.Blob.Digest.Hex, ["size"] = f.Blob.Size })]),
        };
    }

    private ActionKey InspectKey(Sha256Digest source) =>
        new ActionKeyBuilder("inspect", _engine.Version).AddInput(ModelOutput, source).WithSalt(_salt).Build();

    private ActionKey PrepareKey(StoredModel source, ConversionPlan plan)
    {
        var builder = new ActionKeyBuilder("prepare", _engine.Version);
        foreach (var (name, blob) in source.Named())
        {
            builder.AddInput(name, blob.Digest);
        }

        return builder.WithOptions(new JsonObject { ["prepare"] = plan.PrepareOptions(), ["validation"] = plan.ValidationOptions() }).WithSalt(_salt).Build();
    }

    private ActionKey ConvertKey(string step, StoredModel source, StoredModel input, JsonObject options, ConversionPlan plan)
    {
        var builder = new ActionKeyBuilder(step, _engine.Version);
        foreach (var (name, blob) in input.Named().Concat(source.Named(SourceInput)))
        {
            builder.AddInput(name, blob.Digest);
        }

        return builder.WithOptions(new JsonObject { [step] = options, ["validation"] = plan.ValidationOptions() }).WithSalt(_salt).Build();
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

    private static T Located<T>(Func<T> read, SourceLocation? at)
    {
        try
        {
            return read();
        }
        catch (DiagnosticException e) when (at is not null)
        {
            // What is wrong with the file is reported where the manifest names it, the line a user edits.
            throw new DiagnosticException(e.Diagnostic with { Location = at }, e);
        }
    }

    private static ModelInput ToModelInput(OnnxValueInfo value) =>
        new(value.Name, value.Shape?.Dimensions.Select(d => d.Value).ToList());

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

    /// <summary>The fetched model: its blobs, how diagnostics name it, and where the manifest's input_model says it.</summary>
    private sealed record ModelSource(StoredModel Stored, string DisplayName, SourceLocation? At);

    /// <summary>What one converting step left: its key, its model, the model's signature and its report.</summary>
    private sealed record StepOutcome(string Step, ActionKey Key, StoredModel Model, OnnxModelSignature Signature, StepReport Report);

    /// <summary>The diagnostics, dependencies and counters of one model's compile.</summary>
    private sealed class CompileRun(ModelCompileRequest request)
    {
        public ModelCompileRequest Request { get; } = request;

        public List<Diagnostic> Diagnostics { get; } = [];

        public List<string> Dependencies { get; } = [];

        public ActionTally Tally { get; } = new();

        public ModelCompileOutcome Outcome(CompiledModel? model) =>
            new(Diagnostics.Any(d => d.IsError) ? null : model, Diagnostics, Dependencies, Tally.Run, Tally.Cached);
    }

    /// <summary>Unwinds a compile whose reasons are already in its diagnostics.</summary>
    private sealed class CompileStoppedException : Exception;
}
