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
using ModelBuild.Core.Passes;
using ModelBuild.Core.Pipeline.Validation;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Quantization.Evaluation;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Targets;
using ModelBuild.Tensors;
using GraphOptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel;
using OrtLoggingLevel = Microsoft.ML.OnnxRuntime.OrtLoggingLevel;

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
    private const string QuantizationReportJson = "quantization-report.json";
    private const string QuantizationReportHtml = "quantization-report.html";
    private const string QuantizedNodesMetadata = "quantized_nodes";
    private readonly ModelBuildCache _cache;
    private readonly SourceFetcher _fetcher;
    private readonly EngineIdentity _engine;
    private readonly ActionKeys _keys;
    private readonly ActionRunner _actions;
    private readonly ModelStore _store;
    private readonly VendorCompileStep _vendor;
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
        _vendor = new VendorCompileStep(cache, _actions, _keys, engine, _log);
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
        if (!request.NameIsDefault && ModelNameRule.Problem(request.Name) is { } problem)
        {
            run.Diagnostics.Add(ManifestDiagnostics.UnsafeModelName.Create(request.NameAt, "The model name", ModelNameRule.Display(request.Name), problem));
            return null;
        }

        var manifestPath = Path.GetFullPath(request.ManifestPath);
        run.Dependencies.Add(manifestPath);
        var load = ManifestLoader.Load(manifestPath, request.Overrides);
        run.Diagnostics.AddRange(load.Diagnostics);
        if (load.Manifest is not { } manifest)
        {
            return null;
        }

        // Name metadata or --name, else the manifest's name:, else the file stem (ModelConverter's precedence, with the project's say first).
        if (request.NameIsDefault && manifest.NameGiven && manifest.Name.Value != request.Name)
        {
            request = run.Request = request with { Name = manifest.Name.Value };
        }

        var selection = TargetSelection.Resolve(request.Target, request.Precision, _engine.DisplayVersion, request.TargetAt, request.PrecisionAt);
        var stage = ConversionPlanner.SingleOnnxStage(manifest, _engine.DisplayVersion);
        var vendor = VendorCompileChoice.For(request, selection, stage);
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
        var plan = ConversionPlanner.Create(stage, resolution.Inputs, original, selection, manifestPath, planDiagnostics, vendor?.BakeIntoOnnx);
        run.Diagnostics.AddRange(planDiagnostics.Items);
        if (plan is null)
        {
            return null;
        }

        run.Dependencies.AddRange(SampleFiles(plan).Select(f => f.Path));
        var steps = new List<StepOutcome>();
        var current = await PrepareAsync(run, model, plan, cancellationToken).ConfigureAwait(false);
        steps.Add(current);
        if (plan.Quantization is { } quantization)
        {
            current = await QuantizeAsync(run, model, current, plan, quantization.WithLabels(manifest.Labels),
                cancellationToken).ConfigureAwait(false);
            steps.Add(current);
        }

        if (plan.Float16 is { } float16)
        {
            // FP16-INT8: only what the quantizer left float becomes float16; the quantized nodes keep their float32
            // DequantizeLinear -> op -> QuantizeLinear form, which ONNX Runtime runs with integer kernels.
            if (plan.Quantization is not null)
            {
                float16 = float16 with { NodeBlockList = [.. float16.NodeBlockList, .. current.Metadata[QuantizedNodesMetadata].Split('\n', StringSplitOptions.RemoveEmptyEntries)] };
            }

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

        // Quantizing is part of converting (FP16 and the ORT format come after it): both stages end here.
        if (run.StopsAfter(PipelineStage.Convert) || run.StopsAfter(PipelineStage.Quantize))
        {
            return null;
        }

        // Vendor targets: the vendor's compiler makes the files from the last step's model (for openvino INT8 that
        // is the quantize step's QDQ model; the other vendors quantize by themselves, see VendorCompileChoice.QuantizesItself).
        var vendorOutcome = vendor is null ? null : await _vendor.RunAsync(
            request, vendor, selection, stage, resolution.Inputs, current, model.DisplayName, run.Tally, run.Dependencies, cancellationToken).ConfigureAwait(false);
        var files = vendorOutcome?.Files ?? await OutputFilesAsync(request.Name, selection, current.Model, cancellationToken).ConfigureAwait(false);
        var outputLayouts = stage.Outputs.Where(o => o.Layout is not null).ToDictionary(o => o.Name.Value, o => o.Layout!.Value, StringComparer.Ordinal);
        return new CompiledModel(
            request.Name,
            manifestPath,
            selection,
            files,
            [.. current.Signature.Inputs.Select(v => Describe(v, resolution.Inputs.FirstOrDefault(r => r.Name.Value == v.Name), plan.Baked.Contains(v.Name) || vendor?.HoldsPreprocessing == true))
                .Select(d => vendorOutcome?.Describe(d) ?? d)],
            [.. current.Signature.Outputs.Select(v => Describe(v, null, false) with { Layout = outputLayouts.GetValueOrDefault(v.Name) })])
        {
            BuildInfo = BuildInfo.Create(_engine, _keys, request, selection, model, fetched, steps, plan, files, vendorOutcome?.BuildInfo),
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

            return new StepResult(current, signature, passes, bag.Items.Where(d => !d.IsError).ToList(), original);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The quantize action: the prepared model calibrated on the manifest's data and quantized to INT8 QDQ, checked
    /// against the original; its quantization report (JSON and HTML) is stored with it and written beside the outputs.
    /// </summary>
    private async Task<StepOutcome> QuantizeAsync(CompileRun run, ModelSource model, StepOutcome prepared, ConversionPlan plan, QuantizationPlan quantization, CancellationToken cancellationToken)
    {
        run.Diagnostics.AddRange(quantization.Warnings());
        var calibration = quantization.CalibrationInputs(prepared.Signature);
        var hashed = SampleFiles(plan).DistinctBy(f => f.Path).ToDictionary(f => Path.GetFullPath(f.Path), f => f.Sha256, StringComparer.Ordinal);
        var options = quantization.Describe(calibration, hashed);
        run.Diagnostics.AddRange(CalibrationDataset.Open(calibration).Warnings.Select(w => w with { Location = w.Location ?? quantization.At }));

        // Issue 17: the held-out evaluation set (or a seeded split of the calibration data) INT8 is judged on.
        var split = EvaluationSplit.Open(quantization.Options.Evaluation, calibration);
        options["evaluation_set"] = split?.Describe();
        run.Dependencies.AddRange(split?.Evaluation.Samples.Select(s => s.Path) ?? []);

        var key = _keys.Convert("quantize", model.Stored, prepared.Model, options, plan);
        var step = await RunStepAsync(run, "quantize", key, model, plan, () =>
        {
            var input = _store.Read(prepared.Model, model.DisplayName, model.At);
            var result = new Quantizer(quantization.Options).Quantize(
                input, split?.Calibration ?? CalibrationDataset.Open(calibration), split?.Evaluation, null, run.Request.Name,
                    cancellationToken);
            var diagnostics = result.Diagnostics.Select(d => d with { Location = d.Location ?? quantization.At }).ToList();
            if (!result.Succeeded)
            {
                run.Diagnostics.AddRange(diagnostics);
                throw new CompileStoppedException();
            }

            CheckStructure(result.Model, "quantize");
            _log(QuantizationSummary(run.Request.Name, result.Report));
            var original = _store.Read(model.Stored, model.DisplayName, model.At);
            var pass = new PassRecord("quantize_qdq", quantization.Options.ToJson(), input.Graph.Node.Count, result.Model.Graph.Node.Count);

            // The quantized nodes still in the model (a Relu folded into its Conv is not): FP16-INT8's FP16 step keeps them float32.
            var present = result.Model.Graph.Node.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
            var quantizedNodes = string.Join('\n', result.Report.QuantizedNodes.Where(present.Contains).Order(StringComparer.Ordinal));
            return Task.FromResult(new StepResult(result.Model, OnnxModelSignature.FromModel(result.Model), [pass], diagnostics, original)
            {
                Metadata = new Dictionary<string, string> { [QuantizedNodesMetadata] = quantizedNodes },
                Attachments =
                [
                    new(QuantizationReportJson, Encoding.UTF8.GetBytes(QuantizationReportWriter.ToJson(result.Report))),
                    new(QuantizationReportHtml, Encoding.UTF8.GetBytes(QuantizationReportWriter.ToHtml(result.Report))),
                ],
            });
        }, cancellationToken).ConfigureAwait(false);
        run.Attachments.AddRange(step.Attachments);
        return step;
    }

    /// <summary>The calibration files validation reads, each hashed once when the plan was made.</summary>
    private static IEnumerable<ImageFile> SampleFiles(ConversionPlan plan) => plan.Feeds.SelectMany(f => f.Source switch
    {
        ImageSamples images => images.Files,
        TensorFileSamples tensors => tensors.Files,
        _ => [],
    });

    private static string QuantizationSummary(string name, QuantizationReport report)
    {
        var outputs = string.Join("; ", report.Outputs.Select(o => string.Create(
            CultureInfo.InvariantCulture,
            $"{o.Name}: cosine {o.Cosine:0.00000}, SQNR {o.Sqnr:0.0} dB{(o.Top1Agreement is { } top1 ? $", top-1 agreement {top1 * 100:0.0}%" : string.Empty)}")));
        var fallback = report.FallenBack.Count > 0 ? $"; fell back to float: {string.Join(", ", report.FallenBack)}" : string.Empty;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"ModelBuild: {name}: quantized {report.QuantizedNodes.Count} nodes to INT8 ({report.Settings.Calibrator} over {report.CalibrationSamples} samples, {report.FloatNodes.Count} stay float), {report.FloatModelBytes:N0} -> {report.QuantizedModelBytes:N0} bytes; against float on {report.EvaluationSamples} samples: {outputs}{fallback}.");
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
            return new StepResult(converted, OnnxModelSignature.FromModel(converted), [new PassRecord(pass.Name, pass.DescribeOptions(), before, converted.Graph.Node.Count)], bag.Items.ToList(), original);
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
                    using (runtimeModel.Open(new ModelSessionOptions
                    {
                        OptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC,
                        OptimizedModelFilePath = path,
                        SaveAsOrtFormat = true,
                        LogSeverity = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
                        IntraOpThreads = 1,
                        InterOpThreads = 1,
                    }))
                    {
                    }
                }
                catch (OnnxRuntimeErrorException e)
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
        Func<Task<StepResult>> convert,
        CancellationToken cancellationToken)
    {
        var record = await _actions.RunAsync(key, $"{run.Request.Name}: {step}", async () =>
        {
            var clock = Stopwatch.StartNew();
            var result = await convert().ConfigureAwait(false);
            var (converted, signature, passes, warnings, original) = result;
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
                .. await Task.WhenAll(result.Attachments.Select(async a =>
                    KeyValuePair.Create(ActionOutputs.AttachmentPrefix + a.FileName, await _cache.Content.PutAsync(a.Content, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false),
            ],
            result.Metadata);
        }, run.Tally, cancellationToken).ConfigureAwait(false);
        return await StepFromRecordAsync(step, key, record, cancellationToken).ConfigureAwait(false);
    }

    private async Task<StepOutcome> StepFromRecordAsync(string step, ActionKey key, ActionRecord record, CancellationToken cancellationToken)
    {
        var signature = SignatureJson.Read(await _actions.ReadBlobAsync(record.Outputs[SignatureOutput], cancellationToken).ConfigureAwait(false));
        var report = StepReport.FromBytes(await _actions.ReadBlobAsync(record.Outputs[ReportOutput], cancellationToken).ConfigureAwait(false));
        return new StepOutcome(step, key, StoredModel.FromRecord(record), signature, report)
        {
            Attachments =
            [
                .. record.Outputs
                    .Where(o => o.Key.StartsWith(ActionOutputs.AttachmentPrefix, StringComparison.Ordinal))
                    .Select(o => new CompiledFile(o.Key[ActionOutputs.AttachmentPrefix.Length..], o.Value)),
            ],
            Metadata = record.Metadata,
        };
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
            using var session = runtimeModel.Open(new ModelSessionOptions { LogSeverity = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, OptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL });
        }
        catch (OnnxRuntimeErrorException e)
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
        resolved is null ? null : EncodingSpec.NameOf(baked ? resolved.Encoding.Value.To : resolved.Encoding.Value.From),
        resolved is null ? null : ResizeMethodNames.All[(int)(resolved.Calibration.Value is ImageCalibration images ? images.ResizeMethod : ResizeMethod.Resize)]);

    /// <summary>The diagnostics, dependencies and counters of one model's compile.</summary>
    private sealed class CompileRun(ModelCompileRequest request)
    {
        /// <summary>The request; its name changes once, to the manifest's <c>name:</c>, when the request's was only the default.</summary>
        public ModelCompileRequest Request { get; set; } = request;

        public List<Diagnostic> Diagnostics { get; } = [];

        public List<string> Dependencies { get; } = [];

        public ActionTally Tally { get; } = new();

        /// <summary>Files the steps leave beside the outputs (the quantization report).</summary>
        public List<CompiledFile> Attachments { get; } = [];

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
                Attachments = failed ? [] : [.. Attachments],
            };
        }
    }

    /// <summary>Unwinds a compile whose reasons are already in its diagnostics.</summary>
    private sealed class CompileStoppedException : Exception;
}
