using System.Text.Json;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Tests.Cache;
using static ModelBuild.Core.Tests.Quantization.QuantizationTestModels;

namespace ModelBuild.Core.Tests.Quantization;

/// <summary>The report as JSON for tools and as one self-contained HTML page for people.</summary>
public sealed class QuantizationReportWriterTests
{
    private static readonly QuantizationReport Report =
        new Quantizer(
            new QuantizationOptions { Optimize = false, Budget = new AccuracyBudget(MaxDrop: 0.5, Metric: AccuracyMetric.Cosine) })
            .Quantize(ConvNet(), Data(8, ImageShape), "convnet.onnx").Report;

    [Fact]
    public void The_JSON_holds_settings_outputs_budget_and_every_tensor()
    {
        using var json = JsonDocument.Parse(QuantizationReportWriter.ToJson(Report));
        var root = json.RootElement;

        Assert.Equal("convnet.onnx", root.GetProperty("model").GetString());
        Assert.Equal("uint8", root.GetProperty("settings").GetProperty("activation_type").GetString());
        Assert.True(root.GetProperty("settings").GetProperty("per_channel").GetBoolean());
        Assert.Equal("y", root.GetProperty("outputs")[0].GetProperty("name").GetString());
        Assert.True(root.GetProperty("budget").GetProperty("met").GetBoolean());
        var tensors = root.GetProperty("tensors").EnumerateArray().ToList();
        Assert.Equal(Report.Tensors.Count, tensors.Count);
        var weight = tensors.Single(t => t.GetProperty("name").GetString() == "w1");
        Assert.Equal("weight", weight.GetProperty("kind").GetString());
        Assert.Equal(4, weight.GetProperty("scale").GetArrayLength());
        Assert.Equal(0, weight.GetProperty("axis").GetInt32());
        Assert.True(tensors.Single(t => t.GetProperty("name").GetString() == "x").TryGetProperty("local_sqnr_db", out _));
    }

    [Fact]
    public void The_HTML_page_is_self_contained_with_a_sortable_table_and_a_chart()
    {
        var html = QuantizationReportWriter.ToHtml(Report);

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<table class=\"sortable\">", html, StringComparison.Ordinal);
        Assert.Contains("<svg class=\"chart\"", html, StringComparison.Ordinal);
        Assert.Contains("<script>", html, StringComparison.Ordinal);
        foreach (var external in new[] { "http:", "https:", "<link", "src=", "@import", "url(" })
        {
            Assert.DoesNotContain(external, html, StringComparison.OrdinalIgnoreCase);
        }

        Assert.All(Report.Tensors, t => Assert.Contains($"<td>{t.Tensor.Name}</td>", html, StringComparison.Ordinal));
    }

    [Fact]
    public void Names_are_escaped_in_the_page()
    {
        var html = QuantizationReportWriter.ToHtml(Report with { ModelName = "<script>alert(1)</script>" });

        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_report_gives_the_same_bytes_and_both_files_land_in_the_folder()
    {
        using var folder = new TemporaryDirectory();

        var (json, html) = QuantizationReportWriter.WriteTo(Report, folder.Combine("report"));

        Assert.Equal(QuantizationReportWriter.ToJson(Report), File.ReadAllText(json));
        Assert.Equal(QuantizationReportWriter.ToHtml(Report), File.ReadAllText(html));
        Assert.NotEqual(0xEF, File.ReadAllBytes(json)[0]);
    }

    [Fact]
    public void An_unwritable_folder_is_MB8156()
    {
        using var folder = new TemporaryDirectory();
        var file = folder.Combine("a-file");
        File.WriteAllText(file, "not a folder");

        var error = Assert.Throws<DiagnosticException>(() => QuantizationReportWriter.WriteTo(Report, Path.Combine(file, "report")));

        Assert.Equal("MB8156", error.Diagnostic.Code);
    }
}
