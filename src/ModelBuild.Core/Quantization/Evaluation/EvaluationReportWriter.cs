using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace ModelBuild.Core.Quantization.Evaluation;

/// <summary>
/// Writes the evaluation part of the quantization report: an <c>evaluation</c> object in the JSON, and a section of
/// the HTML page with the changed samples as inline thumbnails beside both predictions. Same report, same bytes.
/// </summary>
public static class EvaluationReportWriter
{
    /// <summary>How many changed samples the HTML shows as thumbnails (the JSON lists all).</summary>
    public const int MaxThumbnails = 64;

    /// <summary>Writes <paramref name="report"/> as the value of the current JSON property.</summary>
    public static void Write(Utf8JsonWriter json, EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(report);
        json.WriteStartObject();
        json.WriteString("form", report.Form);
        json.WriteString("source", Path.GetFileName(Path.TrimEndingDirectorySeparator(report.Source)));
        json.WriteNumber("calibration_samples", report.CalibrationSamples);
        json.WriteNumber("evaluation_samples", report.EvaluationSamples);
        json.WriteString("metric", report.Metric);
        json.WriteString("criterion", report.Criterion);
        Number(json, "allowed_drop", report.Allowed);
        json.WriteBoolean("met", report.Met);
        json.WriteString("ended_by", report.EndedBy);
        json.WriteNumber("chosen_trial", report.ChosenTrial);
        json.WriteStartArray("metrics");
        foreach (var pair in report.Comparison.Metrics)
        {
            json.WriteStartObject();
            json.WriteString("name", pair.Name);
            Value(json, "fp32", pair.Fp32);
            Value(json, "int8", pair.Quantized);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("classes");
        foreach (var c in report.Comparison.Classes)
        {
            json.WriteStartObject();
            json.WriteString("class", c.Class);
            json.WriteNumber("samples", c.Samples);
            Value(json, "fp32_top1", c.Fp32);
            Value(json, "int8_top1", c.Quantized);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("changed_samples");
        foreach (var sample in report.Comparison.Changed)
        {
            json.WriteStartObject();
            json.WriteString("sample", sample.Name);
            if (sample.Label is { } label)
            {
                json.WriteString("label", label);
            }

            json.WriteString("fp32", sample.Fp32);
            json.WriteString("int8", sample.Quantized);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("trials");
        foreach (var trial in report.Trials)
        {
            json.WriteStartObject();
            json.WriteNumber("trial", trial.Index);
            json.WriteString("phase", trial.Phase);
            if (trial.FallBack is { } fallBack)
            {
                json.WriteString("fall_back", fallBack);
            }

            json.WriteNumber("float_nodes", trial.FloatNodes);
            Number(json, "int8", trial.Quantized);
            Number(json, "drop", trial.Drop);
            json.WriteBoolean("met", trial.Met);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("fallen_back");
        foreach (var node in report.FallenBack)
        {
            json.WriteStartObject();
            json.WriteString("node", node.Node);
            json.WriteString("op_type", node.OpType);
            json.WriteString("why", node.Why);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Appends the HTML section of <paramref name="report"/>.</summary>
    public static void AppendHtml(StringBuilder html, EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(report);
        var judged = report.Judged;
        html.Append("<h2>Accuracy on the evaluation set</h2>\n<p>")
            .Append(Text($"{report.EvaluationSamples} evaluation samples ({report.Form}, "
                + $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(report.Source))}); "
                + $"{report.CalibrationSamples} calibration samples. "
                + $"Criterion on {report.Metric}: {report.Criterion} (drop allowed {F(report.Allowed)}): "
                + $"{(report.Met ? "met" : "missed")} by trial {report.ChosenTrial} of {report.Trials.Count - 1}; "
                + $"FP32 {F(judged.Fp32.Value)}, INT8 {F(judged.Quantized.Value)}; "
                + $"tuning ended: {report.EndedBy}."))
            .Append("</p>\n<table>\n<tr><th>metric</th><th>FP32</th><th>INT8</th><th>samples</th></tr>\n");
        foreach (var pair in report.Comparison.Metrics)
        {
            html.Append("<tr><td>").Append(Text(pair.Name)).Append("</td><td>").Append(Text(Describe(pair.Fp32, IsAccuracy(pair.Name))))
                .Append("</td><td>").Append(Text(Describe(pair.Quantized,
                    IsAccuracy(pair.Name)))).Append("</td><td>").Append(pair.Quantized.Samples).Append("</td></tr>\n");
        }

        html.Append("</table>\n");
        if (report.Comparison.Classes.Count > 0)
        {
            html.Append("<h3>Per-class top-1 accuracy</h3>\n<table>\n<tr><th>class</th><th>samples</th><th>FP32</th><th>INT8</th></tr>\n");
            foreach (var c in report.Comparison.Classes)
            {
                html.Append("<tr><td>").Append(Text(c.Class)).Append("</td><td>").Append(c.Samples).Append("</td><td>")
                    .Append(Text(Describe(c.Fp32, true))).Append("</td><td>").Append(Text(Describe(c.Quantized,
                        true))).Append("</td></tr>\n");
            }

            html.Append("</table>\n");
        }

        html.Append("<h3>Samples whose prediction changed (").Append(report.Comparison.Changed.Count).Append(")</h3>\n");
        foreach (var sample in report.Comparison.Changed.Take(MaxThumbnails))
        {
            html.Append("<figure style=\"display:inline-block;margin:4px\">").Append(Thumbnail(sample.Path))
                .Append("<figcaption>").Append(Text(sample.Name)).Append("<br>")
                .Append(Text((sample.Label is { } label ? $"label {label}, " : string.Empty)
                    + $"FP32 {sample.Fp32}, INT8 {sample.Quantized}"))
                .Append("</figcaption></figure>\n");
        }

        html.Append("<h3>Tuning trials</h3>\n<table>\n<tr><th>trial</th><th>phase</th><th>fell back</th><th>float nodes</th>")
            .Append("<th>INT8</th><th>drop</th><th>met</th></tr>\n");
        foreach (var t in report.Trials)
        {
            html.Append("<tr><td>").Append(t.Index).Append("</td><td>").Append(Text(t.Phase))
                .Append("</td><td>").Append(Text(t.FallBack ?? "-"))
                .Append("</td><td>").Append(t.FloatNodes).Append("</td><td>").Append(F(t.Quantized)).Append("</td><td>").Append(F(t.Drop))
                .Append("</td><td>").Append(t.Met ? "yes" : "no").Append("</td></tr>\n");
        }

        html.Append("</table>\n");
        if (report.FallenBack.Count > 0)
        {
            html.Append("<h3>Nodes that fell back to float</h3>\n<table>\n<tr><th>node</th><th>op type</th><th>why</th></tr>\n");
            foreach (var node in report.FallenBack)
            {
                html.Append("<tr><td>").Append(Text(node.Node)).Append("</td><td>").Append(Text(node.OpType))
                    .Append("</td><td>").Append(Text(node.Why)).Append("</td></tr>\n");
            }

            html.Append("</table>\n");
        }
    }

    /// <summary>The build's one line: FP32's and INT8's judged metric with intervals, and the criterion's verdict.</summary>
    public static string Summary(string modelName, EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var judged = report.Judged;
        return Summary(modelName, report.Metric, report.EvaluationSamples, report.Form, judged.Fp32, judged.Quantized, report.Criterion,
            report.Met, report.ChosenTrial);
    }

    /// <summary>The same line from a written <c>quantization-report.json</c> (builds served from the cache print it too); null without an
    /// evaluation.</summary>
    public static string? SummaryFromJson(string modelName, string reportJson)
    {
        using var document = JsonDocument.Parse(reportJson);
        if (!document.RootElement.TryGetProperty("evaluation", out var evaluation))
        {
            return null;
        }

        var metric = evaluation.GetProperty("metric").GetString()!;
        var pair = evaluation.GetProperty("metrics").EnumerateArray().First(m => m.GetProperty("name").GetString() == metric);
        return Summary(
            modelName,
            metric,
            evaluation.GetProperty("evaluation_samples").GetInt32(),
            evaluation.GetProperty("form").GetString()!,
            ReadValue(pair.GetProperty("fp32")),
            ReadValue(pair.GetProperty("int8")),
            evaluation.GetProperty("criterion").GetString()!,
            evaluation.GetProperty("met").GetBoolean(),
            evaluation.GetProperty("chosen_trial").GetInt32());
    }

    private static string Summary(
        string modelName, string metric, int samples, string form, MetricValue fp32, MetricValue quantized, string criterion, bool met,
            int trial)
    {
        var percent = IsAccuracy(metric);
        return $"ModelBuild: {modelName}: {metric} on {samples.ToString(CultureInfo.InvariantCulture)} held-out samples ({form}): "
            + $"FP32 {Describe(fp32, percent)}, INT8 {Describe(quantized, percent)}; criterion {criterion} {(met ? "met" : "missed")} "
            + $"after {trial.ToString(CultureInfo.InvariantCulture)} fallback trial(s).";
    }

    private static MetricValue ReadValue(JsonElement value)
    {
        static double Number(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : double.PositiveInfinity;
        var interval = value.TryGetProperty("ci95_lower", out var lower) && value.TryGetProperty("ci95_upper", out var upper)
            ? new ConfidenceInterval(Number(lower), Number(upper))
            : null;
        return new MetricValue(Number(value.GetProperty("value")), value.GetProperty("samples").GetInt32(), interval);
    }

    private static string Thumbnail(string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        var type = extension switch { ".png" => "image/png", ".jpg" or ".jpeg" => "image/jpeg", ".bmp" => "image/bmp", _ => null };
        if (type is null || !File.Exists(path))
        {
            return string.Empty;
        }

        var data = Convert.ToBase64String(File.ReadAllBytes(path));
        return $"<img alt=\"\" style=\"max-height:64px;display:block\" src=\"data:{type};base64,{data}\">";
    }

    /// <summary>Accuracies as percentages with their interval; other metrics as numbers.</summary>
    private static string Describe(MetricValue value, bool percent) => (percent, value.Interval) switch
    {
        (true, { } i) => string.Create(CultureInfo.InvariantCulture,
            $"{value.Value * 100:0.0}% [{i.Lower * 100:0.0}, {i.Upper * 100:0.0}]"),
        (true, null) => string.Create(CultureInfo.InvariantCulture, $"{value.Value * 100:0.0}%"),
        (false, { } i) => $"{F(value.Value)} [{F(i.Lower)}, {F(i.Upper)}]",
        _ => F(value.Value),
    };

    private static bool IsAccuracy(string metric) => metric is "top1" or "top5" or "top1_agreement";

    private static void Value(Utf8JsonWriter json, string name, MetricValue value)
    {
        json.WriteStartObject(name);
        Number(json, "value", value.Value);
        json.WriteNumber("samples", value.Samples);
        if (value.Interval is { } interval)
        {
            Number(json, "ci95_lower", interval.Lower);
            Number(json, "ci95_upper", interval.Upper);
        }

        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, Math.Round(value, 9));
        }
        else
        {
            json.WriteString(name, value > 0 ? "Infinity" : value < 0 ? "-Infinity" : "NaN");
        }
    }

    private static string F(double value) => double.IsFinite(value) ? value.ToString("0.####", CultureInfo.InvariantCulture) : value > 0
        ? "inf" : "-inf";

    private static string Text(string value) => WebUtility.HtmlEncode(value);
}
