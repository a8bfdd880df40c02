using ModelBuild.Core.Manifest;
using static ModelBuild.Core.Tests.Manifest.ManifestTesting;

namespace ModelBuild.Core.Tests.Manifest;

/// <summary>
/// ModelBuild's stage-level <c>precision</c>: a stage of a multi-stage manifest names the precision it compiles at; a top-level value
/// is every stage's default; a bad value is MB1007 at the value; a flat manifest's precision is the project's, so the key is MB1050.
/// </summary>
public sealed class StagePrecisionTests
{
    [Fact]
    public void A_stage_names_its_precision_and_the_top_level_one_is_the_default_of_the_others()
    {
        var manifest = LoadValid("""
            precision: FP16
            stages:
              det:
                input_model: det.onnx
                precision: FP32-INT8
              cls:
                input_model: cls.onnx
            """);

        Assert.Equal(["FP32-INT8", "FP16"], manifest.Stages.Select(s => s.Precision?.Value));
        Assert.Equal(At(5, 16), manifest.Stages[0].Precision!.Location);
    }

    [Fact]
    public void A_stage_without_precision_takes_the_models()
    {
        var manifest = LoadValid("stages:\n  det:\n    input_model: det.onnx\n  rec:\n    input_model: rec.onnx\n");

        Assert.All(manifest.Stages, s => Assert.Null(s.Precision));
    }

    [Fact]
    public void A_precision_that_is_not_one_is_MB1007_at_the_value_with_a_suggestion()
    {
        var result = Load("stages:\n  det:\n    input_model: det.onnx\n    precision: FP16-INT\n");

        var error = Single(result, "MB1007");
        Assert.Equal(At(4, 16), error.Location);
        Assert.Contains("FP32, FP16, FP32-INT8, FP16-INT8", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("Did you mean 'FP16-INT8'?", error.Message, StringComparison.Ordinal);
        Assert.Null(result.Manifest);
    }

    [Fact]
    public void A_flat_manifest_precision_is_MB1050_at_the_key()
    {
        var result = Load("input_model: m.onnx\nprecision: FP16\n");

        var error = Single(result, "MB1050");
        Assert.Equal(At(2, 1), error.Location);
        Assert.Contains("Precision metadata", error.Message, StringComparison.Ordinal);
        Assert.Null(result.Manifest);
    }

    [Fact]
    public void An_override_sets_one_stage_precision()
    {
        var manifest = LoadValid(
            "stages:\n  det:\n    input_model: det.onnx\n  rec:\n    input_model: rec.onnx\n",
            "stages.rec.precision=FP32-INT8");

        Assert.Equal([null, "FP32-INT8"], manifest.Stages.Select(s => s.Precision?.Value));
    }
}
