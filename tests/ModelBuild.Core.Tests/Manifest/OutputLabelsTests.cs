using static ModelBuild.Core.Tests.Manifest.ManifestTesting;

namespace ModelBuild.Core.Tests.Manifest;

/// <summary>ModelBuild's <c>outputs[].labels</c> and <c>apply_softmax</c>: the classes the generated class names.</summary>
public sealed class OutputLabelsTests
{
    [Fact]
    public void The_first_labelled_output_gives_the_manifest_its_labels_in_order_with_apply_softmax()
    {
        var manifest = LoadValid("""
            input_model: m.onnx
            outputs:
              - name: features
              - name: logits
                labels: [cat, "dog", 3]
                apply_softmax: true
            """);

        Assert.Equal(["cat", "dog", "3"], manifest.Labels);
        Assert.Equal("logits", manifest.LabeledOutput);
        Assert.True(manifest.ApplySoftmax);
        Assert.Null(manifest.SingleStage!.Outputs[0].Labels);
        Assert.Empty(LoadValid("input_model: m.onnx").Labels);
    }

    [Fact]
    public void Labels_that_are_not_a_list_and_a_softmax_that_is_not_a_boolean_are_MB1005_on_their_lines()
    {
        var result = Load("""
            input_model: m.onnx
            outputs:
              - name: logits
                labels: cat
                apply_softmax: maybe
            """);

        Assert.False(result.Succeeded);
        var wrong = result.Diagnostics.Where(d => d.Code == "MB1005").Select(d => d.Location!.Line).Order().ToList();
        Assert.Equal([4, 5], wrong);
    }
}
