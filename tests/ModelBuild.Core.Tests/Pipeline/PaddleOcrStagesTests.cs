using ModelBuild.Core.Cache;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Tensors;
using static ModelBuild.Core.Tests.Pipeline.ModelCompilerTests;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>
/// PaddleOCR's detector, text-line orientation classifier and recogniser (the npm package the other PaddleOCR tests use) as the
/// three stages of one manifest: each stage keeps its own input shape, normalisation and (where it says so) precision, compiles,
/// and runs in ONNX Runtime.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PaddleOcrStagesTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();

    public PaddleOcrStagesTests()
    {
        var models = PaddleOcrWorkspace.Models;
        string Source(string stage) =>
            $"    input_model:\n      source: {PaddleOcrWorkspace.Package}{models[stage].File}\n      sha256: {models[stage].Sha256}\n";

        // Top-level keys are defaults for every stage (the classifier's and recogniser's normalisation); the detector sets its own.
        File.WriteAllText(ManifestPath, "name: ocr\nmean_values: 127.5\nscale_values: 127.5\nencoding: BGR\nstages:\n" +
            "  det:\n" + Source("det") + "    shape: [1, 3, 640, 640]\n    mean_values: imagenet\n    scale_values: imagenet\n" +
                "    encoding: {from: RGB, to: BGR}\n" +
            "  cls:\n" + Source("cls") + "    shape: [1, 3, 48, 192]\n" +
            "  rec:\n" + Source("rec") + "    shape: [1, 3, 48, 320]\n");
    }

    private string ManifestPath => _root.Combine("ocr.yaml");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Detector_classifier_and_recogniser_compile_as_three_stages_and_each_runs()
    {
        var cache = ModelBuildCache.Open(_root.Combine("cache"));
        using var fetcher = new SourceFetcher(cache);
        var outcome = await new ModelCompiler(cache, fetcher, EngineIdentity.Current, null).CompileAsync(
            new ModelCompileRequest(ManifestPath, "ocr", "onnx", "FP32") { NameIsDefault = true });

        var model = AssertSucceeded(outcome);
        Assert.Equal("det", model.MainStage);
        Assert.Equal(["ocr.det.onnx", "ocr.cls.onnx", "ocr.rec.onnx"], model.Files.Select(f => f.FileName));
        var expected = new Dictionary<string, (long[] Shape, double[] Mean)>
        {
            ["det"] = ([1, 3, 640, 640], [123.675, 116.28, 103.53]),
            ["cls"] = ([1, 3, 48, 192], [127.5, 127.5, 127.5]),
            ["rec"] = ([1, 3, 48, 320], [127.5, 127.5, 127.5]),
        };
        foreach (var stage in model.Stages)
        {
            var (shape, mean) = expected[stage.Stage!];
            var input = Assert.Single(stage.Inputs);
            Assert.Equal(shape, input.Shape);
            Assert.Equal(mean, input.Mean);

            using var stream = cache.Content.TryOpen(Assert.Single(stage.Files).Blob.Digest)!;
            using var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            using var session = new ModelSession(bytes.ToArray());
            var data = Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(i => MathF.Sin(i * 0.01f)).ToArray();
            var output = session.Run([new NamedTensor(input.Name, Tensor.Create(data, shape))])[0].Value;
            Assert.Equal(shape[0], output.Shape[0]);
            Assert.All(output.ToArray<float>(), v => Assert.True(float.IsFinite(v)));
        }
    }

    [Fact]
    public async Task Each_stage_compiles_at_the_precision_it_names_and_the_others_at_the_models()
    {
        // The detector in FP16 with float16 at its boundary, the recogniser in INT8 (calibrated on 8 random lines), the classifier at the
        // model's FP32.
        var text = File.ReadAllText(ManifestPath)
            .Replace("  cls:\n", "    precision: FP16\n    fp16: {keep_io_types: false}\n  cls:\n", StringComparison.Ordinal)
            + "    precision: FP32-INT8\n    calibration: {max_images: 8}\n";
        File.WriteAllText(ManifestPath, text);
        var cache = ModelBuildCache.Open(_root.Combine("cache"));
        using var fetcher = new SourceFetcher(cache);
        var outcome = await new ModelCompiler(cache, fetcher, EngineIdentity.Current, null).CompileAsync(
            new ModelCompileRequest(ManifestPath, "ocr", "onnx", "FP32") { NameIsDefault = true });

        var model = AssertSucceeded(outcome);
        Assert.Equal(["FP16", "FP32", "FP32-INT8"], model.Stages.Select(s => s.Selection.Precision.Name));
        Assert.Equal("FP16", model.Selection.Precision.Name);
        Assert.Equal(["float16", "float32", "float32"], model.Stages.Select(s => Assert.Single(s.Outputs).ElementType));
        var graphs = model.Stages.Select(s => Read(cache, Assert.Single(s.Files))).ToList();
        Assert.Equal((int)TensorProto.Types.DataType.Float16, graphs[0].Graph.Output.Single().Type.TensorType.ElemType);
        Assert.Contains(graphs[0].Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float16);
        Assert.DoesNotContain(graphs[1].Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float16);
        Assert.DoesNotContain(graphs[1].Graph.Node, n => n.OpType == "QuantizeLinear");
        Assert.Contains(graphs[2].Graph.Node, n => n.OpType == "QuantizeLinear");
        Assert.Contains(graphs[2].Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Int8);

        // Each stage's build record names its own precision.
        Assert.Equal(
            ["FP16", "FP32", "FP32-INT8"],
            model.Stages.Select(s => (string?)model.BuildInfo![s.Stage!]!["precision"]));
    }

    private static ModelProto Read(ModelBuildCache cache, CompiledFile file)
    {
        using var stream = cache.Content.TryOpen(file.Blob.Digest)!;
        return OnnxModelFile.Read(stream, file.FileName);
    }
}
