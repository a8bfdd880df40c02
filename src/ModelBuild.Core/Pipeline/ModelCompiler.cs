using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// Plans and runs the actions of one model, cache first: fetch the source, inspect the model,
/// prepare it (input shapes) and check it in ONNX Runtime, then describe it for the accessor.
/// Each action is keyed by its inputs' digests, its options, the engine and the salt; a key already
/// in the action cache is never computed again, by this process or any other.
/// </summary>
public sealed class ModelCompiler
{
    private const string ModelOutput = "model";
    private const string SignatureOutput = "signature";
    private readonly ModelBuildCache _cache;
    private readonly SourceFetcher _fetcher;
    private readonly EngineIdentity _engine;
    private readonly string? _salt;
    private readonly ActionRunner _actions;

    /// <param name="cache">The local cache every action reads and writes.</param>
    /// <param name="fetcher">Brings model sources into <paramref name="cache"/>.</param>
    /// <param name="engine">Goes into every action key.</param>
    /// <param name="salt">The user's salt (ModelBuildCacheSalt), mixed into every action key.</param>
    /// <param name="log">Progress messages for people (waiting for another process, actions run).</param>
    public ModelCompiler(ModelBuildCache cache, SourceFetcher fetcher, EngineIdentity engine, string? salt, Action<string>? log = null)
    {
        _cache = cache;
        _fetcher = fetcher;
        _engine = engine;
        _salt = salt;
        _actions = new ActionRunner(cache, log);
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

        // Pointed at the second stage: where the manifest goes beyond what this version compiles.
        var stage = manifest.SingleStage ?? throw new DiagnosticException(PipelineDiagnostics.MultiStageNotImplemented.Create(
            manifest.Stages[1].Name.Location, manifest.FilePath, manifest.Stages.Count, string.Join(", ", manifest.Stages.Select(s => s.Name.Value)), _engine.DisplayVersion));
        var inputModel = stage.InputModel;
        if (inputModel.Format is not (ModelFileFormat.Onnx or ModelFileFormat.Unknown))
        {
            throw new DiagnosticException(PipelineDiagnostics.UnsupportedModelFormat.Create(
                inputModel.Source.Location, inputModel.Source.Value, inputModel.Format, _engine.DisplayVersion));
        }

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

        if (run.StopsAfter(PipelineStage.Download))
        {
            return null;
        }

        // The source as diagnostics may show it: an absolute path, or a URL without credentials.
        var model = new ModelSource(fetched.Blob, source.DisplayText, inputModel.Source.Location);
        var original = await InspectAsync(run, model, cancellationToken).ConfigureAwait(false);
        var resolution = ManifestInputResolver.Resolve(stage, [.. original.Inputs.Select(ToModelInput)]);
        run.Diagnostics.AddRange(resolution.Diagnostics);
        if (!resolution.Succeeded)
        {
            return null;
        }

        var overrides = resolution.Inputs
            .Where(i => i.Shape is { } shape && shape.Value.All(d => d is not null))
            .Select(i => new InputShapeOverride(i.Name.Value, [.. i.Shape!.Value.Select(d => d!.Value)], i.Shape.Location))
            .OrderBy(o => o.InputName, StringComparer.Ordinal)
            .ToList();
        var (preparedModel, prepared) = await PrepareAsync(run, model, overrides, cancellationToken).ConfigureAwait(false);

        // No quantize pass exists yet (INT8 precisions are refused above): quantizing ends where converting ends.
        if (run.StopsAfter(PipelineStage.Convert) || run.StopsAfter(PipelineStage.Quantize))
        {
            return null;
        }

        var extension = selection.Target.OutputExtensions[0];
        return new CompiledModel(
            request.Name,
            manifestPath,
            selection,
            [new CompiledFile(request.Name + extension, preparedModel)],
            [.. prepared.Inputs.Select(v => Describe(v, resolution.Inputs.FirstOrDefault(r => r.Name.Value == v.Name)))],
            [.. prepared.Outputs.Select(v => Describe(v, resolved: null))]);
    }

    /// <summary>The inspect action: the model's signature, so later runs never parse the model again.</summary>
    private async Task<OnnxModelSignature> InspectAsync(CompileRun run, ModelSource model, CancellationToken cancellationToken)
    {
        var key = new ActionKeyBuilder("inspect", _engine.Version).AddInput(ModelOutput, model.Blob.Digest).WithSalt(_salt).Build();
        var record = await _actions.RunAsync(key, $"{run.Request.Name}: inspect", async () =>
        {
            var proto = ReadModel(await _actions.ReadBlobAsync(model.Blob, cancellationToken).ConfigureAwait(false), model);
            var signature = await _cache.Content.PutAsync(SignatureJson.Write(OnnxModelSignature.FromModel(proto)), cancellationToken).ConfigureAwait(false);
            return new ActionRecord("inspect", [new(SignatureOutput, signature)]);
        }, run.Tally, cancellationToken).ConfigureAwait(false);
        return SignatureJson.Read(await _actions.ReadBlobAsync(record.Outputs[SignatureOutput], cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The prepare action: input shapes fixed, checked by loading the result in ONNX Runtime.</summary>
    private async Task<(StoredBlob Model, OnnxModelSignature Signature)> PrepareAsync(
        CompileRun run, ModelSource model, IReadOnlyList<InputShapeOverride> overrides, CancellationToken cancellationToken)
    {
        var options = new JsonObject
        {
            ["inputShapes"] = new JsonArray([.. overrides.Select(o => (JsonNode)new JsonObject
            {
                ["name"] = o.InputName,
                ["shape"] = new JsonArray([.. o.Shape.Select(d => (JsonNode)JsonValue.Create(d))]),
            })]),
        };
        var key = new ActionKeyBuilder("prepare", _engine.Version).AddInput(ModelOutput, model.Blob.Digest).WithOptions(options).WithSalt(_salt).Build();
        var record = await _actions.RunAsync(key, $"{run.Request.Name}: prepare", async () =>
        {
            var proto = ReadModel(await _actions.ReadBlobAsync(model.Blob, cancellationToken).ConfigureAwait(false), model);
            var bag = new DiagnosticBag();
            var changed = new InputShapePass(overrides).Apply(proto, bag);
            run.Diagnostics.AddRange(bag.Items);
            if (changed is null)
            {
                throw new CompileStoppedException();
            }

            var bytes = OnnxModelFile.Write(changed, model.DisplayName);
            var signature = OnnxModelSignature.FromModel(changed);
            RuntimeModelCheck.Check(bytes, signature, overrides, model.DisplayName, model.At);
            var modelBlob = await _cache.Content.PutAsync(bytes, cancellationToken).ConfigureAwait(false);
            var signatureBlob = await _cache.Content.PutAsync(SignatureJson.Write(signature), cancellationToken).ConfigureAwait(false);
            return new ActionRecord("prepare", [new(ModelOutput, modelBlob), new(SignatureOutput, signatureBlob)]);
        }, run.Tally, cancellationToken).ConfigureAwait(false);
        var preparedSignature = SignatureJson.Read(await _actions.ReadBlobAsync(record.Outputs[SignatureOutput], cancellationToken).ConfigureAwait(false));
        return (record.Outputs[ModelOutput], preparedSignature);
    }

    /// <summary>
    /// Parses the source model. What is wrong with the file (not an ONNX model) is reported where the
    /// manifest names it, the line a user edits, rather than at a binary file an IDE cannot show.
    /// </summary>
    private static ModelProto ReadModel(byte[] bytes, ModelSource model)
    {
        try
        {
            return OnnxModelFile.Read(bytes, model.DisplayName);
        }
        catch (DiagnosticException e) when (model.At is not null)
        {
            throw new DiagnosticException(e.Diagnostic with { Location = model.At }, e);
        }
    }

    private static ModelInput ToModelInput(OnnxValueInfo value) =>
        new(value.Name, value.Shape?.Dimensions.Select(d => d.Value).ToList());

    private static TensorDescription Describe(OnnxValueInfo value, ResolvedInput? resolved) => new(
        value.Name,
        TensorElementNames.NumPyName(value.ElementType),
        value.Shape?.Dimensions.Select(d => d.Value ?? -1).ToImmutableArray() ?? [],
        resolved?.Layout?.Value,
        resolved?.MeanValues?.Value,
        resolved?.ScaleValues?.Value,
        resolved is null ? null : EncodingSpec.NameOf(resolved.Encoding.Value.From));

    /// <summary>The fetched model: its blob, how diagnostics name it, and where the manifest's input_model says it.</summary>
    private sealed record ModelSource(StoredBlob Blob, string DisplayName, SourceLocation? At);

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
