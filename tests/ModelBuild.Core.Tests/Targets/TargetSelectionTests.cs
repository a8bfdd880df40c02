using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Tests.Targets;

public sealed class TargetSelectionTests
{
    private const string Version = "9.8.7";
    private static readonly SourceLocation TargetAt = new("App.csproj", 7, 40);
    private static readonly SourceLocation PrecisionAt = new("App.csproj", 7, 58);

    [Theory]
    [InlineData("onnx", "FP32")]
    [InlineData("ONNX", "fp32")]
    [InlineData("Onnx", "Fp32")]
    public void Names_are_matched_ignoring_case(string target, string precision)
    {
        var selection = TargetSelection.Resolve(target, precision, Version, TargetAt, PrecisionAt);

        Assert.Same(TargetCatalog.Onnx, selection.Target);
        Assert.Same(Precision.FP32, selection.Precision);
    }

    [Fact]
    public void Unknown_target_points_at_ModelTarget_and_suggests_the_closest()
    {
        var error = Refused("rvc5", "FP16");

        Assert.Equal("MB6001", error.Code);
        Assert.Equal(TargetAt, error.Location);
        Assert.StartsWith(
            "Unknown target 'rvc5'. Did you mean 'rvc2'? Known targets: onnx, ort, openvino, rvc2, rvc3, rvc4, hailo.",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_target_without_a_close_name_only_lists_the_targets()
    {
        var error = Refused("tensorrt", "FP16");

        Assert.Equal("Unknown target 'tensorrt'. Known targets: onnx, ort, openvino, rvc2, rvc3, rvc4, hailo.", error.Message);
    }

    [Fact]
    public void Unknown_precision_points_at_Precision_and_lists_the_precisions()
    {
        var error = Refused("onnx", "FP16-INT4");

        Assert.Equal("MB6002", error.Code);
        Assert.Equal(PrecisionAt, error.Location);
        Assert.Contains("'FP16-INT4'", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("Known precisions: FP32, FP16, FP32-INT8, FP16-INT8.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Target_is_checked_before_precision()
    {
        Assert.Equal("MB6001", Refused("rvc9", "FP64").Code);
    }

    [Theory]
    [InlineData("rvc2", "FP16-INT8", "FP16, FP32")]
    [InlineData("rvc2", "FP32-INT8", "FP16, FP32")]
    [InlineData("hailo", "FP32", "FP32-INT8, FP16-INT8")]
    [InlineData("hailo", "FP16", "FP32-INT8, FP16-INT8")]
    [InlineData("rvc3", "FP32", "FP16, FP16-INT8")]
    public void Precision_the_hardware_cannot_run_is_MB6003_with_what_it_can(string target, string precision, string supported)
    {
        var error = Refused(target, precision);

        Assert.Equal("MB6003", error.Code);
        Assert.Equal(PrecisionAt, error.Location);
        Assert.StartsWith(
            $"Target '{target}' does not support Precision {precision}; it supports {supported} (",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void An_INT8_precision_on_RVC2_says_which_targets_take_it_instead()
    {
        var error = Refused("rvc2", "FP16-INT8");

        Assert.EndsWith("For FP16-INT8 use onnx, ort, openvino, rvc3, rvc4 or hailo.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("onnx", "FP16")]
    [InlineData("ort", "FP32")]
    [InlineData("ORT", "fp16")]
    [InlineData("onnx", "FP16-INT8")]
    [InlineData("ort", "fp32-int8")]
    public void The_runtime_targets_take_every_precision(string target, string precision)
    {
        var selection = TargetSelection.Resolve(target, precision, Version, TargetAt, PrecisionAt);

        Assert.Equal((target.ToLowerInvariant(), precision.ToUpperInvariant()), (selection.Target.Name, selection.Precision.Name));
    }

    [Fact]
    public void Only_blob_targets_hold_preprocessing_by_default_and_runtime_targets_keep_float_io()
    {
        Assert.Equal(["rvc2", "rvc3", "rvc4", "hailo"], TargetCatalog.All.Where(t => t.BakesPreprocessing).Select(t => t.Name));
        Assert.Equal(
            ["openvino", "rvc2", "rvc3", "rvc4", "hailo"],
            TargetCatalog.All.Where(t => t.UsesVendorToolchain).Select(t => t.Name));
        Assert.Equal(["onnx", "ort"], TargetCatalog.All.Where(t => t.KeepsFloatIo).Select(t => t.Name));
    }

    [Fact]
    public void Without_locations_the_errors_have_none()
    {
        var exception = Assert.Throws<DiagnosticException>(() => TargetSelection.Resolve("rvc2", "FP32-INT8", Version, null, null));

        Assert.Null(exception.Diagnostic.Location);
        Assert.StartsWith("modelbuild: error MB6003: ", exception.Diagnostic.ToCanonicalString(), StringComparison.Ordinal);
    }

    private static Diagnostic Refused(string target, string precision)
    {
        var exception = Assert.Throws<DiagnosticException>(
            () => TargetSelection.Resolve(target, precision, Version, TargetAt, PrecisionAt));
        Assert.True(exception.Diagnostic.IsError);
        return exception.Diagnostic;
    }
}
