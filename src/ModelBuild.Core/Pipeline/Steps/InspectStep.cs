using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Pipeline.Steps;

/// <summary>
/// The inspect action: the source model's signature and the external data files it names, so later runs never
/// parse the model again. From the signature the manifest's inputs are resolved and the conversion is planned.
/// </summary>
internal sealed class InspectStep(PipelineServices services) : IPipelineStep
{
    public string Name => "inspect";

    public PipelineStage Stage => PipelineStage.Convert;

    public bool AppliesTo(CompileState state) => true;

    public async Task<IReadOnlyList<PreviewStep>> PreviewAsync(CompileState state, CancellationToken cancellationToken)
    {
        if (state.SourceDigest is not { } digest)
        {
            var note = $"the key is known once {state.DisplayName} is fetched (pin its sha256 to know it now)";
            return [new PreviewStep(Name, null, false, new JsonObject(), note)];
        }

        var key = services.Keys.Inspect(digest);
        var inspected = services.Cache.Actions.TryGet(key);
        IReadOnlyList<PreviewStep> listed = [new PreviewStep(Name, key, inspected is not null, new JsonObject(), null)];
        var local = state.Input.Source as LocalFileSource;
        OnnxModelSignature original;
        IReadOnlyList<string> externalData;
        if (inspected is not null)
        {
            var bytes = await services.Actions.ReadBlobAsync(inspected.Outputs[ActionOutputs.Signature], cancellationToken)
                .ConfigureAwait(false);
            (original, externalData) = (SignatureJson.Read(bytes), SignatureJson.ReadExternalData(bytes));
        }
        else if (local is not null)
        {
            var proto = ModelStore.ReadAt(() => OnnxModelFile.Read(local.FullPath), state.SourceAt);
            (original, externalData) = (OnnxModelSignature.FromModel(proto), OnnxExternalData.Locations(proto));
        }
        else
        {
            return [.. listed, new PreviewStep(
                "prepare",
                null,
                false,
                new JsonObject(),
                "planned once the source is fetched and inspected")];
        }

        var stored = StoredModel.OneFile(new StoredBlob(digest, state.Stage.InputModel.Size?.Value ?? 0));
        foreach (var location in externalData)
        {
            var path = local is null ? null : Path.Combine(Path.GetDirectoryName(local.FullPath)!, location);
            if (path is null || !OnnxExternalData.IsSafeLocation(location) || !File.Exists(path))
            {
                throw new DiagnosticException(
                    PipelineDiagnostics.ExternalDataNotLocal.Create(state.SourceAt, state.DisplayName, string.Join(", ", externalData)));
            }

            stored = stored with
            {
                Data = stored.Data
                .Add(location, new StoredBlob(Sha256Digest.ComputeFile(path), new FileInfo(path).Length))
            };
        }

        state.Model = new ModelSource(stored, state.DisplayName, state.SourceAt);
        Plan(state, original);
        return listed;
    }

    public async Task RunAsync(CompileState state, CancellationToken cancellationToken)
    {
        var fetched = state.Fetched ?? throw new InvalidOperationException("The source is not fetched yet.");
        var (original, externalData) = await InspectAsync(state, fetched.Blob, cancellationToken).ConfigureAwait(false);
        state.Model = new ModelSource(
            await StoreExternalDataAsync(state, fetched, externalData, cancellationToken).ConfigureAwait(false),
            state.DisplayName,
            state.SourceAt);
        Plan(state, original);
        if (state.Plan is null)
        {
            throw new CompileStoppedException();
        }
    }

    /// <summary>Resolves the manifest's inputs against the source model and plans the conversion; errors go to the diagnostics.</summary>
    private static void Plan(CompileState state, OnnxModelSignature original)
    {
        state.Original = original;
        var resolution = ManifestInputResolver.Resolve(state.Stage, ConversionPlanner.ModelInputs(original));
        state.Diagnostics.AddRange(resolution.Diagnostics);
        if (!resolution.Succeeded)
        {
            return;
        }

        state.Inputs = resolution.Inputs;
        var bag = new DiagnosticBag();
        state.Plan = ConversionPlanner.Create(
            state.Stage, resolution.Inputs, original, state.Selection, state.ManifestPath, bag, state.Vendor?.BakeIntoOnnx);
        state.Diagnostics.AddRange(bag.Items);
        if (state.Plan is { } plan)
        {
            state.Dependencies.AddRange(plan.SampleFiles().Select(f => f.Path));
        }
    }

    private async Task<(OnnxModelSignature Signature, IReadOnlyList<string> ExternalData)> InspectAsync(
        CompileState state, StoredBlob source, CancellationToken cancellationToken)
    {
        var key = services.Keys.Inspect(source.Digest);
        var record = await services.Actions.RunAsync(key, $"{state.Request.Name}: {Name}", async () =>
        {
            ModelProto proto;
            using (var stream = services.Cache.Content.TryOpen(source.Digest)
                ?? throw new InvalidOperationException($"Blob {source} vanished from the cache."))
            {
                proto = ModelStore.ReadAt(() => OnnxModelFile.Read(stream, state.DisplayName), state.SourceAt);
            }

            var signature = SignatureJson.Write(OnnxModelSignature.FromModel(proto), OnnxExternalData.Locations(proto));
            var blob = await services.Cache.Content.PutAsync(signature, cancellationToken).ConfigureAwait(false);
            return new ActionRecord(Name, [new(ActionOutputs.Signature, blob)]);
        }, state.Tally, cancellationToken).ConfigureAwait(false);
        var bytes = await services.Actions.ReadBlobAsync(record.Outputs[ActionOutputs.Signature], cancellationToken).ConfigureAwait(false);
        return (SignatureJson.Read(bytes), SignatureJson.ReadExternalData(bytes));
    }

    /// <summary>Brings the source's external data files (found beside a local source) into the store.</summary>
    private async Task<StoredModel> StoreExternalDataAsync(
        CompileState state, FetchedContent fetched, IReadOnlyList<string> locations, CancellationToken cancellationToken)
    {
        var stored = StoredModel.OneFile(fetched.Blob);
        if (locations.Count == 0)
        {
            return stored;
        }

        var at = state.SourceAt;
        var displayName = state.DisplayName;
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

            state.Dependencies.Add(path);
            data = data.Add(
                location,
                await services.Cache.Content.PutFileAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false));
        }

        return stored with { Data = data };
    }
}
