using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using static ModelBuild.Core.Tests.Manifest.ManifestTesting;

namespace ModelBuild.Core.Tests.Manifest;

/// <summary>ModelConverter's command-line overrides: <c>key value</c> pairs after the manifest.</summary>
public sealed class CommandLineOverridesTests
{
    private const string Base = """
        input_model: m.onnx
        inputs:
          - name: images
            shape: [1, 3, 224, 224]
        calibration:
          path: calib/
          max_images: 100
        """;

    [Fact]
    public void Key_value_pairs_apply_as_the_Overrides_metadata_does()
    {
        var overrides = ManifestOverrides.FromArguments(["inputs.0.shape", "[1,3,256,256]", "calibration.max_images", "50"]);

        var result = ManifestLoader.LoadText(Base, YamlPath, overrides);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var stage = result.Manifest!.SingleStage!;
        Assert.Equal([1L, 3, 256, 256], stage.Inputs[0].Shape!.Value);
        Assert.Equal(50, Assert.IsType<ImageCalibration>(stage.Defaults.Calibration!.Value).MaxImages);
        Assert.Equal("inputs.0.shape=[1,3,256,256];calibration.max_images=50", overrides.ToMetadata());
        Assert.Equal(overrides.Items, ManifestOverrides.Parse(overrides.ToMetadata()).Items);
    }

    [Fact]
    public void A_key_without_a_value_is_MB2130_naming_it()
    {
        var error = Assert.Throws<DiagnosticException>(
            () => ManifestOverrides.FromArguments(["inputs.0.shape", "[1,3,256,256]", "calibration.max_images"])).Diagnostic;

        Assert.Equal("MB2130", error.Code);
        Assert.Contains("'calibration.max_images'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_key_or_value_is_a_coded_error_naming_the_override()
    {
        var badKey = ManifestLoader.LoadText(Base, YamlPath, ManifestOverrides.FromArguments(["inputs..shape", "[1]"]));
        var badValue = ManifestLoader.LoadText(Base, YamlPath, ManifestOverrides.FromArguments(["inputs.0.shape", "[1,3"]));

        var key = Assert.Single(badKey.Diagnostics, d => d.IsError);
        var value = Assert.Single(badValue.Diagnostics, d => d.IsError);
        Assert.Equal(("MB1014", true), (key.Code, key.Message.Contains("inputs..shape", StringComparison.Ordinal)));
        Assert.Equal(("MB1015", true), (value.Code, value.Message.Contains("inputs.0.shape", StringComparison.Ordinal)));
    }
}
