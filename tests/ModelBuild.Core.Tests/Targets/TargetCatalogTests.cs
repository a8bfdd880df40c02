using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Tests.Targets;

public sealed class TargetCatalogTests
{
    [Fact]
    public void Every_implemented_precision_is_one_the_target_supports()
    {
        foreach (var target in TargetCatalog.All)
        {
            Assert.All(target.Implemented, p => Assert.Contains(p, target.Supported));
        }
    }

    [Fact]
    public void Targets_have_unique_lowercase_names_and_at_least_one_output_extension()
    {
        Assert.Equal(TargetCatalog.All.Count, TargetCatalog.All.Select(t => t.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(TargetCatalog.All, t =>
        {
            Assert.Equal(t.Name.ToLowerInvariant(), t.Name);
            Assert.NotEmpty(t.OutputExtensions);
            Assert.All(t.OutputExtensions, e => Assert.StartsWith(".", e, StringComparison.Ordinal));
        });
    }

    [Fact]
    public void Capabilities_match_the_hardware()
    {
        // From the design's target table: RVC2 runs FP16/FP32 only; Hailo is INT8; ONNX takes every precision.
        Assert.Equal([Precision.FP16, Precision.FP32], TargetCatalog.Rvc2.Supported);
        Assert.All(TargetCatalog.Hailo.Supported, p => Assert.True(p.Quantized));
        Assert.Equal(Precision.All, TargetCatalog.Onnx.Supported);
        Assert.Equal([".blob", ".superblob"], TargetCatalog.Rvc2.OutputExtensions);
        Assert.Equal([".onnx"], TargetCatalog.Onnx.OutputExtensions);
    }

    [Theory]
    [InlineData("FP32", false, false)]
    [InlineData("FP16", true, false)]
    [InlineData("FP32-INT8", false, true)]
    [InlineData("fp16-int8", true, true)]
    public void Precision_names_say_the_float_type_and_quantization(string name, bool halfFloat, bool quantized)
    {
        var precision = Precision.Find(name);

        Assert.NotNull(precision);
        Assert.Equal((halfFloat, quantized), (precision.HalfFloat, precision.Quantized));
        Assert.Equal(name.ToUpperInvariant(), precision.ToString());
    }

    [Theory]
    [InlineData("FP64")]
    [InlineData("INT8")]
    [InlineData("")]
    public void Unknown_names_find_nothing(string name)
    {
        Assert.Null(Precision.Find(name));
        Assert.Null(TargetCatalog.Find(name));
    }
}
