using ModelBuild.Core.Cache;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Pipeline.Steps;

/// <summary>
/// Brings the source model into the content store, once across processes and from the remote cache when it has
/// the pinned blob; an Open Model Zoo model is fetched file by file and postprocessed. Calibration and evaluation
/// sets that are archives or remote sources are fetched and unpacked too (<see cref="CalibrationPathResolver"/>).
/// Not an action of its own: the source's digest is what the later keys start from.
/// </summary>
internal sealed class FetchStep(PipelineServices services) : IPipelineStep
{
    public string Name => "fetch";

    public PipelineStage Stage => PipelineStage.Download;

    public bool AppliesTo(CompileState state) => true;

    /// <summary>
    /// The digest from the pin, or from reading a local file; a dry run fetches nothing remote and lists no fetch. A local
    /// calibration archive is unpacked into the cache (its content is in the quantize key); a remote one is MB8110.
    /// </summary>
    public async Task<IReadOnlyList<PreviewStep>> PreviewAsync(CompileState state, CancellationToken cancellationToken)
    {
        var local = state.Input.Source as LocalFileSource;
        // A model converted to ONNX first: the later keys start from the converter's output, unknown until it ran.
        state.SourceDigest = state.Stage.InputModel.Format == Manifest.ModelFileFormat.TfLite ? null
            : state.Stage.InputModel.Sha256 is { } pin ? Sha256Digest.Parse(pin.Value)
            : local is not null && File.Exists(local.FullPath) ? Sha256Digest.ComputeFile(local.FullPath)
            : null;
        await ResolveCalibrationAsync(state, remote: false, cancellationToken).ConfigureAwait(false);
        return [];
    }

    public async Task RunAsync(CompileState state, CancellationToken cancellationToken)
    {
        var inputModel = state.Stage.InputModel;
        var source = state.Input.Source;
        state.Diagnostics.AddRange(state.Input.Warnings);
        if (state.Manifest.LabelsFile is { } labelsFile)
        {
            state.Dependencies.Add(labelsFile);
        }

        var fetched = inputModel.OpenModelZoo is { } omz
            ? await OpenModelZooInput.FetchAsync(
                services.Cache, services.Fetcher, services.Actions, services.Keys, state.Tally, omz, inputModel
                    .Source, state.Request.Vendor, cancellationToken).ConfigureAwait(false)
            : await services.Actions.FetchAsync(source, state.Input.Pin.Sha256, $"{state.Request.Name}: fetch", () => services.Fetcher
                .FetchAsync(
                    source,
                    state.Input.Pin,
                    inputModel.Source.Location,
                    progress: null,
                    cancellationToken), cancellationToken).ConfigureAwait(false);
        if (inputModel.Format == Manifest.ModelFileFormat.TfLite)
        {
            fetched = await OpenModelZooInput.ConvertAsync(
                services.Cache,
                services.Actions,
                services.Keys,
                state.Tally,
                fetched,
                state.Request.Name,
                state.Request.Vendor,
                cancellationToken).ConfigureAwait(false);
        }

        state.Diagnostics.AddRange(fetched.Warnings);
        if (fetched.LocalPath is { } localPath)
        {
            state.Dependencies.Add(Path.GetFullPath(localPath));
        }

        state.Fetched = fetched;
        state.SourceDigest = fetched.Digest;
        await ResolveCalibrationAsync(state, remote: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes the stage's calibration and evaluation paths local folders; <paramref name="remote"/> false refuses remote
    /// sources (a dry run).</summary>
    private async Task ResolveCalibrationAsync(CompileState state, bool remote, CancellationToken cancellationToken)
    {
        var resolver = new CalibrationPathResolver(services.Cache, (source, at, token) => source.IsLocal || remote
            ? services.Actions.FetchAsync(
                source,
                null,
                $"{state.Request.Name}: fetch calibration data",
                () => services.Fetcher.FetchAsync(source, ContentPin.None, at, progress: null, token),
                token)
            : throw new DiagnosticException(CalibrationDiagnostics.PathNotFolder.Create(at, source.DisplayText)));
        var resolved = await resolver.ResolveAsync(state.Stage, Path.GetDirectoryName(state.ManifestPath)!, cancellationToken)
            .ConfigureAwait(false);
        state.Stage = resolved.Stage;
        state.Diagnostics.AddRange(resolved.Warnings);
        state.Dependencies.AddRange(resolved.Dependencies);
    }
}
