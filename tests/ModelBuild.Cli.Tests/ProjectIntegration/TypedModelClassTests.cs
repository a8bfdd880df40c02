using ModelBuild.Cli.ProjectIntegration;
using ModelBuild.Protocol;

namespace ModelBuild.Cli.Tests.ProjectIntegration;

/// <summary>
/// The typed model class in the generated accessor: what it offers for an image classifier with labels, that it is
/// byte-identical for the same models, and which models get one. That it compiles warning-free and predicts is
/// shown by the SDK's consumer-project tests.
/// </summary>
public sealed class TypedModelClassTests
{
    private static readonly AccessorRequest Request = new("Models.g.cs", "App", "Models", Public: false);

    private static ModelResult Classifier(string target = "onnx", string outputType = "float32") => new(
        "textcls",
        "models/textcls.yaml",
        target,
        "FP32",
        [new ModelOutputFile("textcls.onnx", "App.Models.textcls.onnx", new string('a', 64), 578966)],
        [new ModelTensorResult("x", "float32", [1, 3, 48, 192], "NCHW", [127.5], [127.5], "BGR") { ResizeMethod = "PAD_RIGHT" }],
        [new ModelTensorResult("softmax_0.tmp_0", outputType, [-1, 2], null, null, null, null)])
    {
        Labels = ["0°", "180°"],
    };

    [Fact]
    public void An_image_classifier_gets_Load_image_Predict_overloads_and_a_labelled_Prediction()
    {
        var code = AccessorGenerator.Generate(Request, [new AccessorModel(Classifier(), Public: false, Embedded: true)], "1.0.0");

        Assert.Contains("internal sealed partial class Textcls : global::System.IDisposable", code, StringComparison.Ordinal);
        const string Ort = "global::Microsoft.ML.OnnxRuntime.";
        const string Frame = "global::ModelBuild.Imaging.ImageFrame";
        Assert.Contains($"public static Textcls Load({Ort}SessionOptions? options = null)", code, StringComparison.Ordinal);
        Assert.Contains($"public Prediction Predict({Frame} x)", code, StringComparison.Ordinal);
        Assert.Contains("public Prediction Predict(string path)", code, StringComparison.Ordinal);
        Assert.Contains("public Prediction Predict(global::System.IO.Stream stream)", code, StringComparison.Ordinal);
        Assert.Contains($"Predict(global::System.Collections.Generic.IReadOnlyList<{Frame}> x)", code, StringComparison.Ordinal);
        Assert.Contains($"public Prediction Predict({Frame} x, RunBuffers buffers)", code, StringComparison.Ordinal);
        Assert.Contains("Task<Prediction> PredictAsync(\n", code, StringComparison.Ordinal);
        Assert.Contains($"{Frame} x, global::System.Threading.CancellationToken cancellationToken = default)",
            code,
            StringComparison.Ordinal);
        Assert.Contains($"public {Ort}Tensors.DenseTensor<float> Softmax0Tmp0 =>", code, StringComparison.Ordinal);
        Assert.Contains("public string Label => Classification.Label;", code, StringComparison.Ordinal);
        Assert.Contains("Labels, applySoftmax: false);", code, StringComparison.Ordinal);
        // The shared code once, inside the accessor class, and only where ONNX Runtime and ModelBuild.Imaging are referenced.
        Assert.Single(AllIndexes(code, "public sealed class RunBuffers"));
        const string Guarded = "#if MODELBUILD_ONNXRUNTIME && MODELBUILD_IMAGING\n        /// <summary>\n        /// The tensors";
        Assert.Contains(Guarded, code, StringComparison.Ordinal);
    }

    [Fact]
    public void Logits_are_classified_through_a_softmax_when_the_manifest_says_apply_softmax()
    {
        var model = Classifier() with { ApplySoftmax = true, LabeledOutput = "softmax_0.tmp_0" };

        var code = AccessorGenerator.Generate(Request, [new AccessorModel(model, Public: true, Embedded: false)], "1.0.0");

        Assert.Contains("Labels, applySoftmax: true);", code, StringComparison.Ordinal);
        Assert.Contains("public sealed partial class Textcls", code, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_models_give_the_same_bytes()
    {
        AccessorModel[] models =
        [
            new(Classifier() with { Name = "b" }, Public: false, Embedded: true),
            new(Classifier() with { Name = "a" }, Public: true, Embedded: false),
        ];

        var first = AccessorGenerator.Generate(Request, models, "1.0.0");
        var second = AccessorGenerator.Generate(Request, [.. models.Reverse()], "1.0.0");

        Assert.Equal(first, second);
        Assert.DoesNotContain("\r", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Vendor_targets_and_string_tensors_keep_the_static_class_without_typed_members()
    {
        var vendor = AccessorGenerator.Generate(Request, [new AccessorModel(Classifier("openvino"), false, true)], "1.0.0");
        var strings = AccessorGenerator.Generate(Request, [new AccessorModel(Classifier(outputType: "string"), false, true)], "1.0.0");

        foreach (var code in new[] { vendor, strings })
        {
            Assert.Contains("internal static class Textcls", code, StringComparison.Ordinal);
            Assert.DoesNotContain("RunBuffers", code, StringComparison.Ordinal);
            Assert.DoesNotContain("Predict(", code, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_model_named_like_a_typed_member_gets_Model_appended()
    {
        Assert.Equal("PredictionModel", AccessorGenerator.ClassNameOf("prediction", "Models"));
        Assert.Equal("RunBuffersModel", AccessorGenerator.ClassNameOf("run-buffers", "Models"));
    }

    private static List<int> AllIndexes(string text, string value)
    {
        var found = new List<int>();
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            found.Add(i);
        }

        return found;
    }
}
