using System.Globalization;

namespace ModelBuild.Core.Quantization;

/// <summary>
/// What a quantization did, in a few lines for people: the same text from the build's quantize step and from
/// <c>modelbuild quantize</c>. The first line says how the model was quantized; one line per output says how
/// close it stays to float; a last line names the layers that fell back to float.
/// </summary>
public static class QuantizationSummary
{
    /// <summary>The summary of <paramref name="report"/>, headed by <paramref name="name"/> (the model's name or file).</summary>
    public static IReadOnlyList<string> Lines(string name, QuantizationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var s = report.Settings;
        var lines = new List<string>
        {
            string.Create(
                CultureInfo.InvariantCulture,
                $"ModelBuild: {name}: quantized {report.QuantizedNodes.Count} nodes to INT8 QDQ ({s.ActivationType} activations, "
                + $"int8 weights {(s.PerChannel ? "per channel" : "per tensor")}, {s.Calibrator} on {report.CalibrationSamples} samples; "
                + $"{report.FloatNodes.Count} stay float), {report.FloatModelBytes:N0} -> {report.QuantizedModelBytes:N0} bytes."),
        };
        foreach (var output in report.Outputs)
        {
            var top1 = output.Top1Agreement is { } agreement
                ? string.Create(CultureInfo.InvariantCulture, $", top-1 agreement {agreement * 100:0.0} %")
                : string.Empty;
            lines.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"  {output.Name}: cosine {output.Cosine:0.00000}, SQNR {output.Sqnr:0.0} dB{top1} against float " +
                    $"({report.EvaluationSamples} samples)"));
        }

        if (report.FallenBack.Count > 0)
        {
            lines.Add($"  fell back to float: {string.Join(", ", report.FallenBack)}");
        }

        return lines;
    }
}
