using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Targets;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Tests.Toolchains;

public sealed class VendorPrecisionMappingTests
{
    [Theory]
    [InlineData("rvc2", "FP16", true, false, null, "float16")]
    [InlineData("rvc2", "FP32", false, false, null, "float32")]
    [InlineData("rvc3", "FP16", true, false, null, "float16")]
    [InlineData("rvc3", "FP16-INT8", true, true, null, "int8")]
    [InlineData("rvc4", "FP16", false, false, "FP16_STANDARD", "float16")]
    [InlineData("rvc4", "FP16-INT8", false, true, "INT8_STANDARD", "int8")]
    [InlineData("rvc4", "FP32-INT8", false, true, "INT8_STANDARD", "int8")]
    [InlineData("hailo", "FP32-INT8", false, true, null, "int8")]
    [InlineData("hailo", "FP16-INT8", false, true, null, "int8")]
    [InlineData("openvino", "FP32", false, false, null, "float32")]
    [InlineData("openvino", "FP16", true, false, null, "float16")]
    [InlineData("openvino", "FP16-INT8", true, false, null, "int8")]
    public void Each_precision_maps_onto_the_vendors_settings(
        string target,
        string precision,
        bool compress,
        bool calibrate,
        string? mode,
        string archive)
    {
        var settings = VendorPrecisionMapping.Resolve(TargetCatalog.Find(target)!, Precision.Find(precision)!, VendorOptions.Default, null);

        Assert.Equal(new VendorPrecisionSettings(compress, calibrate, mode, archive)
        {
            NeedsQuantizedModel = target == "openvino" && precision.EndsWith("INT8", StringComparison.Ordinal)
        }, settings);
    }

    [Fact]
    public void Rvc2_refuses_INT8_and_says_what_it_supports()
    {
        var error = Assert.Throws<DiagnosticException>(() => VendorPrecisionMapping.Resolve(
            TargetCatalog.Rvc2,
            Precision.FP16Int8,
            VendorOptions.Default,
            new SourceLocation("app.csproj", 12, 5)));

        Assert.Equal("MB6003", error.Diagnostic.Code);
        Assert.Contains("supports FP16, FP32", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(12, error.Diagnostic.Location!.Line);
    }

    [Fact]
    public void An_explicit_manifest_value_that_contradicts_the_precision_is_MB6106()
    {
        var vendors = VendorOptions.Default with { Rvc4 = new Rvc4Options(QuantizationMode: "INT16_STANDARD") };

        var error = Assert.Throws<DiagnosticException>(
            () => VendorPrecisionMapping.Resolve(TargetCatalog.Rvc4, Precision.FP16Int8, vendors, null));

        Assert.Equal("MB6106", error.Diagnostic.Code);
        Assert.StartsWith(
            "Precision FP16-INT8 for target 'rvc4' conflicts with 'rvc4.quantization_mode: INT16_STANDARD' in the manifest;",
            error.Diagnostic.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rvc2", "FP16")]
    [InlineData("rvc3", "FP16-INT8")]
    [InlineData("rvc4", "FP16-INT8")]
    [InlineData("hailo", "FP16-INT8")]
    public void Disabling_what_the_precision_needs_is_MB6106(string target, string precision)
    {
        var vendors = new VendorOptions(
            new HailoOptions(DisableCalibration: true),
            new Rvc2Options(CompressToFp16: false),
            new Rvc3Options(DisableCalibration: true),
            new Rvc4Options(DisableCalibration: true));

        var error = Assert.Throws<DiagnosticException>(
            () => VendorPrecisionMapping.Resolve(TargetCatalog.Find(target)!, Precision.Find(precision)!, vendors, null));

        Assert.Equal("MB6106", error.Diagnostic.Code);
    }
}
