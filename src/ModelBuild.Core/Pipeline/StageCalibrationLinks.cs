using System.Globalization;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Pipeline.Steps;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// Stage-linked calibration (<c>calibration: {stage, output}</c>), as ModelConverter's multi-stage exporter does it: the linked
/// earlier stage's FP32 (prepared) model runs over that stage's own calibration data, and the named output of every sample becomes
/// one <c>.npy</c> file that the linking input calibrates on, as-is. One thread per run, so the files are the same on every run and
/// the quantize action's key (which hashes them) is too. The run is an action of its own (<c>linked-calibration</c>), keyed by the
/// linked stage's prepared model, the output and that stage's calibration data: a cache that holds it restores the files without
/// running the earlier stage again. The folders live until the model's compile ends.
/// </summary>
internal sealed class StageCalibrationLinks(PipelineServices services, IReadOnlyList<CompileState> states) : IDisposable
{
    private static readonly ModelSessionOptions RunOptions = new()
    {
        IntraOpThreads = 1,
        InterOpThreads = 1,
        LogSeverity = RuntimeLogSeverity.Error,
    };

    private readonly List<ScratchDirectory> _folders = [];

    /// <summary>
    /// Replaces the calibration links of <paramref name="state"/>'s stage by folders of the linked outputs; nothing when the stage has
    /// none or its precision does not calibrate.
    /// </summary>
    /// <exception cref="DiagnosticException">MB6032: the linked stage has no such output; a calibration problem of the linked
    /// stage's data.</exception>
    public async Task ResolveAsync(CompileState state, CancellationToken cancellationToken)
    {
        var links = StagePlan.Links(state.Stage).Select(l => l.Link).Distinct().ToList();
        if (links.Count == 0 || !state.Selection.Precision.Quantized || state.Request.StopAfter < PipelineStage.Quantize)
        {
            return;
        }

        var folders = new Dictionary<LinkCalibration, ImageCalibration>();
        foreach (var link in links)
        {
            folders[link] = await LinkAsync(state, link, cancellationToken).ConfigureAwait(false);
        }

        state.Stage = state.Stage with
        {
            Inputs = [.. state.Stage.Inputs.Select(i => i.Calibration is { Value: LinkCalibration link } at
                ? i with { Calibration = new Located<CalibrationSpec>(folders[link], at.Location) }
                : i)],
            Defaults = state.Stage.Defaults.Calibration is { Value: LinkCalibration defaults } defaultsAt
                ? state.Stage.Defaults with { Calibration = new Located<CalibrationSpec>(folders[defaults], defaultsAt.Location) }
                : state.Stage.Defaults,
        };
    }

    public void Dispose()
    {
        foreach (var folder in _folders)
        {
            folder.Dispose();
        }
    }

    private async Task<ImageCalibration> LinkAsync(CompileState state, LinkCalibration link, CancellationToken cancellationToken)
    {
        var source = states.First(s => s.Stage.Name.Value == link.Stage.Value);
        var prepared = source.Steps.FirstOrDefault(s => s.Step == "prepare")
            ?? throw new InvalidOperationException($"Stage '{link.Stage.Value}' has no prepared model.");
        var output = link.Output!.Value;
        if (!prepared.Signature.Outputs.Any(o => o.Name == output))
        {
            throw new DiagnosticException(PipelineDiagnostics.LinkedOutputUnknown.Create(
                link.Output.Location,
                StagePlan.Links(state.Stage).First(l => l.Link == link).Input,
                state.Stage.Name.Value,
                output,
                link.Stage.Value,
                string.Join(", ", prepared.Signature.Outputs.Select(o => o.Name))));
        }

        var plan = source.ValidPlan.Quantization ?? new QuantizationPlan(
            QuantizationOptions.FromManifest(null),
            source.Inputs,
            Path.GetDirectoryName(source.ManifestPath)!,
            !source.ValidPlan.Baked.IsEmpty,
            source.SourceAt);
        var inputs = plan.CalibrationInputs(prepared.Signature);
        var key = services.Keys.LinkedCalibration(prepared.Model, output, plan.Describe(inputs, new Dictionary<string, string>()));
        var folder = new ScratchDirectory("linked-calibration");
        _folders.Add(folder);
        var computed = false;
        var record = await services.Actions.RunAsync(
            key,
            $"{state.Request.Name}: calibrate on output '{output}' of stage '{link.Stage.Value}'",
            () =>
            {
                computed = true;
                return RunLinkedStageAsync(source, prepared, CalibrationDataset.Open(inputs), output, folder, cancellationToken);
            },
            state.Tally,
            cancellationToken).ConfigureAwait(false);
        if (!computed)
        {
            foreach (var (name, blob) in record.Outputs)
            {
                // A record from a shared (remote) cache names files this class wrote: plain file names, nothing else.
                if (Path.GetFileName(name) != name || !name.EndsWith(".npy", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"A linked-calibration record names '{name}', which is not a .npy file name.");
                }

                await RestoreAsync(blob, folder.Combine(name), cancellationToken).ConfigureAwait(false);
            }
        }

        services.Log($"ModelBuild: {state.Request.Name}: calibrating on output '{output}' of stage '{link.Stage.Value}' " +
            $"({record.Outputs.Count.ToString(CultureInfo.InvariantCulture)} samples{(computed ? "" : ", cached")}).");
        return new ImageCalibration(new Located<string>(folder.FullPath, link.Stage.Location));
    }

    /// <summary>Runs the linked stage's prepared model over its calibration data; each sample's output is one stored <c>.npy</c>.</summary>
    private async Task<ActionRecord> RunLinkedStageAsync(
        CompileState source,
        StepOutcome prepared,
        CalibrationDataset dataset,
        string output,
        ScratchDirectory folder,
        CancellationToken cancellationToken)
    {
        var files = new List<string>();
        var model = services.Store.Read(prepared.Model, source.Source.DisplayName, source.Source.At);
        using (var runtime = RuntimeModel.ForProto(model))
        using (var session = runtime.Open(RunOptions))
        {
            foreach (var sample in dataset.Read(cancellationToken))
            {
                var result = session.Run(sample.Inputs, [output], cancellationToken);
                var name = files.Count.ToString("D6", CultureInfo.InvariantCulture) + ".npy";
                NpyFile.Write(folder.Combine(name), result[0].Value);
                files.Add(name);
            }
        }

        var outputs = new List<KeyValuePair<string, StoredBlob>>();
        foreach (var name in files)
        {
            var blob = await services.Cache.Content.PutFileAsync(folder.Combine(name), cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            outputs.Add(new(name, blob));
        }

        return new ActionRecord("linked-calibration", outputs);
    }

    /// <summary>Writes a stored <c>.npy</c> back into the folder the linking input calibrates on.</summary>
    private async Task RestoreAsync(StoredBlob blob, string path, CancellationToken cancellationToken)
    {
        var stream = services.Cache.Content.TryOpen(blob.Digest)
            ?? throw new InvalidOperationException($"Blob {blob} vanished from the cache while it was in use.");
        await using (stream.ConfigureAwait(false))
        {
            var file = File.Create(path);
            await using (file.ConfigureAwait(false))
            {
                await stream.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
