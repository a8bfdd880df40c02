using System.Diagnostics;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Pipeline.Validation;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Pipeline.Steps;

/// <summary>
/// The ort action: the previous step's model written in ONNX Runtime's own format (basic optimizations, portable
/// across machines), canonicalized so the bytes are the same everywhere, and checked against the original.
/// </summary>
internal sealed class OrtFormatStep(PipelineServices services) : ConvertingStep(services)
{
    public override string Name => "ort";

    public override bool AppliesTo(CompileState state) => state.Plan?.OrtFormat == true;

    protected override JsonObject Options(CompileState state) => new() { ["format"] = "ORT", ["level"] = "basic" };

    protected override async Task<ActionRecord> ComputeAsync(CompileState state, JsonObject options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var model = state.Source;
        var previous = state.Current!;
        var input = Read(state, previous.Model);
        byte[] ort;
        using (var scratch = new ScratchDirectory("ort"))
        using (var runtimeModel = RuntimeModel.ForProto(input))
        {
            var path = scratch.Combine("model.ort");
            try
            {
                using (runtimeModel.Open(new ModelSessionOptions
                {
                    OptimizationLevel = GraphOptimization.Basic,
                    OptimizedModelFilePath = path,
                    SaveAsOrtFormat = true,
                    LogSeverity = RuntimeLogSeverity.Fatal,
                    IntraOpThreads = 1,
                    InterOpThreads = 1,
                }))
                {
                }
            }
            catch (OnnxRuntimeErrorException e)
            {
                throw new DiagnosticException(PipelineDiagnostics.ConvertedModelRejected.Create(
                    model.At, OnnxRuntimeLibrary.Version, "ORT-format", model.DisplayName, e.NativeMessage));
            }

            if (new FileInfo(path).Length > OnnxModelFile.MaxSerializedSize)
            {
                throw new DiagnosticException(
                    PipelineDiagnostics.OrtFormatTooLarge.Create(model.At, model.DisplayName, new FileInfo(path).Length));
            }

            ort = OrtFormatCanonicalizer.Canonicalize(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false));
        }

        var original = ReadOriginal(state);
        using var ortModel = RuntimeModel.ForBytes(ort);
        var validation = ConversionValidator.Validate(original, ortModel, state.ValidPlan, input, state.References);
        var report = new StepReport(
            Name,
            [new PassRecord("ort_format", options, input.Graph.Node.Count, input.Graph.Node.Count)],
            validation,
            []);
        Log(state, report, clock);
        var content = Services.Cache.Content;
        return new ActionRecord(Name,
        [
            new(ActionOutputs.Model, await content.PutAsync(ort, cancellationToken).ConfigureAwait(false)),
            new(
                ActionOutputs.Signature,
                await content.PutAsync(SignatureJson.Write(previous.Signature), cancellationToken).ConfigureAwait(false)),
            new(ActionOutputs.Report, await content.PutAsync(report.ToBytes(), cancellationToken).ConfigureAwait(false)),
        ]);
    }
}
