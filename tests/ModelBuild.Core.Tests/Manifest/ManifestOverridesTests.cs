using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Imaging.Preprocessing;
using static ModelBuild.Core.Tests.Manifest.ManifestTesting;

namespace ModelBuild.Core.Tests.Manifest;

public sealed class ManifestOverridesTests
{
    private const string Base = """
        input_model: m.onnx
        shape: [1, 3, 224, 224]
        inputs:
          - name: images
            shape: [1, 3, 224, 224]
        calibration:
          path: calib/
          max_images: 100
        """;

    [Fact]
    public void Parse_splits_on_semicolons_outside_brackets_and_quotes()
    {
        var overrides = ManifestOverrides.Parse(" inputs.0.shape=[1,3,256,256]; calibration.max_images = 50 ;;name='a;b';bad ");

        Assert.Equal(
            [
                new ManifestOverride("inputs.0.shape", "[1,3,256,256]"),
                new ManifestOverride("calibration.max_images", "50"),
                new ManifestOverride("name", "'a;b'"),
            ],
            overrides.Items);
        Assert.Equal(["bad"], overrides.Malformed);
    }

    [Fact]
    public void Overrides_replace_values_before_validation()
    {
        var stage = LoadValid(Base, "inputs.0.shape=[1,3,256,256];calibration.max_images=50;mean_values=imagenet").Stages[0];

        var shape = stage.Inputs[0].Shape!;
        Assert.Equal([1L, 3, 256, 256], shape.Value);
        Assert.Equal(new SourceLocation(YamlPath), shape.Location);
        var calibration = Assert.IsType<ImageCalibration>(stage.Defaults.Calibration!.Value);
        Assert.Equal(50, calibration.MaxImages);
        Assert.Equal(new Located<string>("calib/", At(7, 9)), calibration.Path);
        Assert.Equal(ChannelValues.ImageNetMean, stage.Defaults.MeanValues!.Value);
    }

    [Fact]
    public void Overrides_create_missing_keys_and_append_list_items()
    {
        var stage = LoadValid(Base, "inputs.1.name=mask;inputs.1.encoding=NONE;inputs.+.name=extra;rvc2.number_of_shaves=6").Stages[0];

        Assert.Equal(["images", "mask", "extra"], stage.Inputs.Select(i => i.Name.Value));
        Assert.Equal(new EncodingSpec(ColorEncoding.None, ColorEncoding.None), stage.Inputs[1].Encoding!.Value);
        Assert.Equal(6, stage.Vendors.Rvc2.NumberOfShaves);
    }

    [Fact]
    public void Overrides_from_pairs_apply_like_parsed_ones()
    {
        var result = ManifestLoader.LoadText(Base, YamlPath, ManifestOverrides.FromPairs([new("encoding", "{from: BGR, to: BGR}")]));

        Assert.True(result.Succeeded);
        Assert.Equal(new EncodingSpec(ColorEncoding.Bgr, ColorEncoding.Bgr), result.Manifest!.Stages[0].Defaults.Encoding!.Value);
    }

    [Fact]
    public void Override_can_create_a_whole_manifest_key_by_key()
    {
        var manifest = LoadValid("", "input_model=x.onnx;inputs.0.name=data");

        Assert.Equal("x", manifest.Name.Value);
        Assert.Equal("data", manifest.Stages[0].Inputs[0].Name.Value);
    }

    [Fact]
    public void Malformed_override_is_reported_against_the_manifest_file()
    {
        var error = Single(Load(Base, "calibration.max_images"), "MB1013");

        Assert.Equal(new SourceLocation(YamlPath), error.Location);
        Assert.Equal("Override 'calibration.max_images' is not of the form key=value.", error.Message);
    }

    [Theory]
    [InlineData("inputs.name=x", "Override 'inputs.name=x' cannot be applied: 'inputs' is a list, so 'name' must be an index or '+'.")]
    [InlineData(
        "inputs.5.name=x",
        "Override 'inputs.5.name=x' cannot be applied: index 5 is past the end of 'inputs', which has 1 item(s); use 1 or '+' to append.")]
    [InlineData(
        "calibration.0=x",
        "Override 'calibration.0=x' cannot be applied: 'calibration' is a mapping, so '0' must be a key name, not an index.")]
    [InlineData(
        "input_model.source=x",
        "Override 'input_model.source=x' cannot be applied: 'input_model' is the value 'm.onnx', which has no 'source'.")]
    [InlineData("calibration..path=x", "Override 'calibration..path=x' cannot be applied: the key has an empty part.")]
    public void Bad_override_key_path_names_the_override(string text, string message)
    {
        var error = Single(Load(Base, text), "MB1014");

        Assert.Equal(new SourceLocation(YamlPath), error.Location);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Override_value_that_is_not_yaml_is_reported()
    {
        var error = Single(Load(Base, "shape=[1, 3"), "MB1015");

        Assert.Equal(new SourceLocation(YamlPath), error.Location);
        Assert.StartsWith("Override 'shape=[1, 3' has a value that is not valid YAML:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_error_in_an_override_value_names_the_override()
    {
        var result = Load(Base, "inputs.0.shape=abc");

        var error = Single(result, "MB1005");
        Assert.Equal(new SourceLocation(YamlPath), error.Location);
        Assert.Equal(
            "'inputs.0.shape' must be a list of non-negative integers; found 'abc' (from override 'inputs.0.shape=abc').",
            error.Message);
    }

    [Fact]
    public void Unknown_key_from_an_override_names_the_override_and_the_closest_key()
    {
        var error = Single(Load(Base, "calibration.max_imgs=5"), "MB1004");

        Assert.Equal(new SourceLocation(YamlPath), error.Location);
        Assert.Equal(
            "Unknown key 'calibration.max_imgs' (from override 'calibration.max_imgs=5'). Did you mean 'max_images'?",
            error.Message);
    }

    [Fact]
    public void Bad_item_inside_an_override_list_points_at_the_item_path()
    {
        var error = Single(Load(Base, "mean_values=[1, x, 3]"), "MB1005");

        Assert.Equal("'mean_values.1' must be a number; found 'x' (from override 'mean_values=[1, x, 3]').", error.Message);
    }
}
