using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Pipeline;

/// <summary>Works out a model's plan and action keys without fetching, computing or storing anything.</summary>
internal sealed class ConversionPreviewer(ModelBuildCache cache, ActionRunner actions, ActionKeys keys, EngineIdentity engine)
{
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
                selection = TargetSelection.Resolve(request.Target, request.Precision, engine.DisplayVersion, request.TargetAt, request.PrecisionAt);
                var stage = ConversionPlanner.SingleOnnxStage(manifest, engine.DisplayVersion);
                var source = InputModelSource.From(stage.InputModel, Path.GetDirectoryName(manifestPath)!).Source;
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

        var inspectKey = keys.Inspect(sourceDigest);
        var inspected = cache.Actions.TryGet(inspectKey);
        steps.Add(new PreviewStep("inspect", inspectKey, inspected is not null, new JsonObject(), null));
        OnnxModelSignature? original = null;
        IReadOnlyList<string> externalData = [];
        if (inspected is not null)
        {
            var bytes = await actions.ReadBlobAsync(inspected.Outputs[ActionOutputs.Signature], cancellationToken).ConfigureAwait(false);
            (original, externalData) = (SignatureJson.Read(bytes), SignatureJson.ReadExternalData(bytes));
        }
        else if (local is not null)
        {
            var proto = ModelStore.ReadAt(() => OnnxModelFile.Read(local.FullPath), stage.InputModel.Source.Location);
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

        var resolution = ManifestInputResolver.Resolve(stage, ConversionPlanner.ModelInputs(original));
        diagnostics.AddRange(resolution.Diagnostics);
        var bag = new DiagnosticBag();
        var vendor = VendorCompileChoice.For(request, selection, stage);
        var plan = resolution.Succeeded ? ConversionPlanner.Create(stage, resolution.Inputs, original, selection, manifestPath, bag, vendor?.BakeIntoOnnx) : null;
        diagnostics.AddRange(bag.Items);
        if (plan is null)
        {
            return;
        }

        var prepareKey = keys.Prepare(stored, plan);
        var previous = cache.Actions.TryGet(prepareKey);
        steps.Add(new PreviewStep("prepare", prepareKey, previous is not null, plan.PrepareOptions(), null));
        if (plan.Float16 is { } float16)
        {
            var options = new Float16Pass(float16).DescribeOptions();
            var key = previous is null ? (ActionKey?)null : keys.Convert("fp16", stored, StoredModel.FromRecord(previous), options, plan);
            previous = key is { } k ? cache.Actions.TryGet(k) : null;
            steps.Add(new PreviewStep("fp16", key, previous is not null, options, key is null ? "the key is known once prepare has run" : null));
        }

        if (plan.OrtFormat)
        {
            var options = new JsonObject { ["format"] = "ORT", ["level"] = "basic" };
            var key = previous is null ? (ActionKey?)null : keys.Convert("ort", stored, StoredModel.FromRecord(previous), options, plan);
            steps.Add(new PreviewStep("ort", key, key is { } k && cache.Actions.TryGet(k) is not null, options, key is null ? "the key is known once the step before has run" : null));
        }

        if (vendor is not null)
        {
            // Its key needs the tools' versions and digests, which a dry run does not run the tools to learn.
            steps.Add(new PreviewStep("vendor-compile", null, false, new JsonObject { ["route"] = Toolchains.VendorRoutes.NameOf(vendor.Route) }, "the key is known once the vendor's tools are found and identified"));
        }
    }
}
