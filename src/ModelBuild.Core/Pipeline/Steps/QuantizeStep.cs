using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Quantization.Evaluation;

namespace ModelBuild.Core.Pipeline.Steps;

/// <summary>
/// The quantize action: the prepared model calibrated on the manifest's data and quantized to INT8 QDQ, checked
/// against the original; its quantization report (JSON and HTML) is stored with it and written beside the outputs.
/// </summary>
internal sealed class QuantizeStep(PipelineServices services) : ConvertingStep(services)
{
    /// <summary>The action record's metadata entry listing the quantized nodes still in the model, one per line.</summary>
    public const string QuantizedNodesMetadata = "quantized_nodes";

    private const string QuantizationReportJson = "quantization-report.json";
    private const string QuantizationReportHtml = "quantization-report.html";

    public override string Name => "quantize";

    public override PipelineStage Stage => PipelineStage.Quantize;

    public override bool AppliesTo(CompileState state) => state.Plan?.Quantization is not null;

    /// <summary>
    /// The quantizer's settings and each calibration file with its digest, for the prepared model's inputs. Also
    /// reports MB8120 for inputs left to random calibration and the calibration folders' warnings.
    /// </summary>
    /// <summary>The plan's quantization, with the manifest's labels for the evaluation set's classes.</summary>
    private static QuantizationPlan Plan(CompileState state) => state.ValidPlan.Quantization!.WithLabels(state.Manifest.Labels);

    protected override JsonObject Options(CompileState state)
    {
        var quantization = Plan(state);
        if (state.UnknownAfter is not null || state.Current is not { } prepared)
        {
            return new JsonObject { ["quantization"] = quantization.Options.ToJson() };
        }

        state.Diagnostics.AddRange(quantization.Warnings());
        var calibration = quantization.CalibrationInputs(prepared.Signature);
        var hashed = state.ValidPlan.SampleFiles().DistinctBy(f => f.Path)
            .ToDictionary(f => Path.GetFullPath(f.Path), f => f.Sha256, StringComparer.Ordinal);
        var options = quantization.Describe(calibration, hashed);
        state.Diagnostics
            .AddRange(CalibrationDataset.Open(calibration).Warnings.Select(w => w with { Location = w.Location ?? quantization.At }));

        // The held-out evaluation set (or a seeded split of the calibration data) INT8 is judged on.
        var split = EvaluationSplit.Open(quantization.Options.Evaluation, calibration);
        options["evaluation_set"] = split?.Describe();
        state.Dependencies.AddRange(split?.Evaluation.Samples.Select(s => s.Path) ?? []);
        return options;
    }

    protected override Task<ActionRecord> ComputeAsync(CompileState state, JsonObject options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var quantization = Plan(state);
        var prepared = state.Current!;
        var calibration = quantization.CalibrationInputs(prepared.Signature);
        var input = Read(state, prepared.Model);
        var split = EvaluationSplit.Open(quantization.Options.Evaluation, calibration);
        var result = new Quantizer(quantization.Options).Quantize(
            input, split?.Calibration ?? CalibrationDataset.Open(calibration), split?.Evaluation, null, state.Request
                .Name, cancellationToken);
        var diagnostics = result.Diagnostics.Select(d => d with { Location = d.Location ?? quantization.At }).ToList();
        if (!result.Succeeded)
        {
            state.Diagnostics.AddRange(diagnostics);
            throw new CompileStoppedException();
        }

        CheckStructure(result.Model);
        foreach (var line in QuantizationSummary.Lines(state.Request.Name, result.Report))
        {
            Services.Log(line);
        }

        var original = ReadOriginal(state);
        var pass = new PassRecord("quantize_qdq", quantization.Options.ToJson(), input.Graph.Node.Count, result.Model.Graph.Node.Count);

        // The quantized nodes still in the model (a Relu folded into its Conv is not): FP16-INT8's FP16 step keeps them float32.
        var present = result.Model.Graph.Node.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var quantizedNodes = string.Join('\n', result.Report.QuantizedNodes.Where(present.Contains).Order(StringComparer.Ordinal));
        var stepResult = new StepResult(result.Model, Onnx.OnnxModelSignature.FromModel(result.Model), [pass], diagnostics, original)
        {
            Metadata = new Dictionary<string, string> { [QuantizedNodesMetadata] = quantizedNodes },
            Attachments =
            [
                new(QuantizationReportJson, Encoding.UTF8.GetBytes(QuantizationReportWriter.ToJson(result.Report))),
                new(QuantizationReportHtml, Encoding.UTF8.GetBytes(QuantizationReportWriter.ToHtml(result.Report))),
            ],
        };
        return StoreAsync(state, stepResult, clock, cancellationToken);
    }
}
