using System.Globalization;
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
/// the quantize action's key (which hashes them) is too. The folders live until the model's compile ends.
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
    public Task ResolveAsync(CompileState state, CancellationToken cancellationToken)
    {
        var links = StagePlan.Links(state.Stage).Select(l => l.Link).Distinct().ToList();
        if (links.Count == 0 || !state.Selection.Precision.Quantized || state.Request.StopAfter < PipelineStage.Quantize)
        {
            return Task.CompletedTask;
        }

        var folders = new Dictionary<LinkCalibration, ImageCalibration>();
        foreach (var link in links)
        {
            folders[link] = Run(state, link, cancellationToken);
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
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var folder in _folders)
        {
            folder.Dispose();
        }
    }

    private ImageCalibration Run(CompileState state, LinkCalibration link, CancellationToken cancellationToken)
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
        var dataset = CalibrationDataset.Open(plan.CalibrationInputs(prepared.Signature));
        var folder = new ScratchDirectory("linked-calibration");
        _folders.Add(folder);
        var model = services.Store.Read(prepared.Model, source.Source.DisplayName, source.Source.At);
        using (var runtime = RuntimeModel.ForProto(model))
        using (var session = runtime.Open(RunOptions))
        {
            var index = 0;
            foreach (var sample in dataset.Read(cancellationToken))
            {
                var result = session.Run(sample.Inputs, [output], cancellationToken);
                NpyFile.Write(folder.Combine(index.ToString("D6", CultureInfo.InvariantCulture) + ".npy"), result[0].Value);
                index++;
            }

            services.Log($"ModelBuild: {state.Request.Name}: calibrating on output '{output}' of stage '{link.Stage.Value}' " +
                $"({index.ToString(CultureInfo.InvariantCulture)} samples).");
        }

        return new ImageCalibration(new Located<string>(folder.FullPath, link.Stage.Location));
    }
}
