using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Quantization.Evaluation;

namespace ModelBuild.Core.Quantization;

/// <summary>
/// Writes a <see cref="QuantizationReport"/> as JSON (for tools) and as one self-contained HTML page (for
/// people): a summary, the outputs' accuracy, a bar chart of the worst layers by SQNR, the budget search and a
/// sortable table of every quantized tensor. The page has no external scripts, styles or fonts. The same report
/// always gives the same bytes.
/// </summary>
public static class QuantizationReportWriter
{
    public const string JsonFileName = "quantization-report.json";
    public const string HtmlFileName = "quantization-report.html";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>How many layers the bar chart shows.</summary>
    private const int ChartedLayers = 20;

    /// <summary>Writes both files into <paramref name="folder"/> (created if needed) and returns their paths.</summary>
    /// <exception cref="DiagnosticException">The folder cannot be written (MB8156).</exception>
    public static (string Json, string Html) WriteTo(QuantizationReport report, string folder)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(folder);
        var json = Path.Combine(folder, JsonFileName);
        var html = Path.Combine(folder, HtmlFileName);
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(json, ToJson(report), Utf8);
            File.WriteAllText(html, ToHtml(report), Utf8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiagnosticException(QuantizationDiagnostics.ReportNotWritten.Create(null, Path.GetFullPath(folder), e.Message), e);
        }

        return (json, html);
    }

    /// <summary>The report as indented JSON; infinite SQNR is written as the string "Infinity".</summary>
    public static string ToJson(QuantizationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", report.ModelName);
            WriteSettings(json, report.Settings);
            json.WriteNumber("calibration_samples", report.CalibrationSamples);
            json.WriteNumber("evaluation_samples", report.EvaluationSamples);
            json.WriteNumber("float_model_bytes", report.FloatModelBytes);
            json.WriteNumber("quantized_model_bytes", report.QuantizedModelBytes);
            json.WriteStartArray("outputs");
            foreach (var output in report.Outputs)
            {
                json.WriteStartObject();
                json.WriteString("name", output.Name);
                Number(json, "cosine", output.Cosine);
                Number(json, "worst_cosine", output.WorstCosine);
                Number(json, "sqnr_db", output.Sqnr);
                if (output.Top1Agreement is { } top1)
                {
                    Number(json, "top1_agreement", top1);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteBudget(json, report);
            if (report.Evaluation is { } evaluation)
            {
                json.WritePropertyName("evaluation");
                EvaluationReportWriter.Write(json, evaluation);
            }

            json.WriteStartArray("tensors");
            foreach (var entry in report.Tensors)
            {
                WriteTensor(json, entry);
            }

            json.WriteEndArray();
            Strings(json, "quantized_nodes", report.QuantizedNodes);
            Strings(json, "float_nodes", report.FloatNodes);
            Strings(json, "notes", report.Notes);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>The report as one HTML page with inline style and script.</summary>
    public static string ToHtml(QuantizationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Quantization report: ")
            .Append(Text(report.ModelName))
            .Append("</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>Quantization report: ").Append(Text(report.ModelName)).Append("</h1>\n");
        Summary(html, report);
        if (report.Evaluation is { } evaluation)
        {
            EvaluationReportWriter.AppendHtml(html, evaluation);
        }

        Outputs(html, report);
        Chart(html, report);
        Trials(html, report);
        Tensors(html, report);
        if (report.Notes.Count > 0)
        {
            html.Append("<h2>Notes</h2>\n<ul>\n");
            foreach (var note in report.Notes)
            {
                html.Append("<li>").Append(Text(note)).Append("</li>\n");
            }

            html.Append("</ul>\n");
        }

        html.Append("<script>\n").Append(SortScript).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void WriteSettings(Utf8JsonWriter json, QuantizationSettings settings)
    {
        json.WriteStartObject("settings");
        json.WriteString("activation_type", settings.ActivationType);
        json.WriteBoolean("symmetric_activations", settings.SymmetricActivations);
        json.WriteString("weight_type", settings.WeightType);
        json.WriteBoolean("per_channel", settings.PerChannel);
        json.WriteBoolean("reduce_range", settings.ReduceRange);
        json.WriteString("calibrator", settings.Calibrator);
        json.WriteNumber("opset_before", settings.OpsetBefore);
        json.WriteNumber("opset_after", settings.OpsetAfter);
        Strings(json, "nodes_to_exclude", settings.NodesExcluded);
        Strings(json, "op_types_to_exclude", settings.OpTypesExcluded);
        json.WriteEndObject();
    }

    private static void WriteBudget(Utf8JsonWriter json, QuantizationReport report)
    {
        if (report.Budget is { } budget)
        {
            json.WriteStartObject("budget");
            json.WriteString("metric", Quantizer.MetricName(budget.Metric));
            Number(json, "max_drop", budget.MaxDrop);
            Number(json, "drop", budget.Drop);
            json.WriteBoolean("met", budget.Met);
            json.WriteNumber("trials", budget.Trials);
            json.WriteEndObject();
        }

        json.WriteStartArray("trials");
        foreach (var trial in report.Trials)
        {
            json.WriteStartObject();
            json.WriteNumber("trial", trial.Trial);
            if (trial.FellBack is { } layer)
            {
                json.WriteString("fell_back", layer);
            }

            Number(json, "drop", trial.Drop);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        Strings(json, "fallen_back", report.FallenBack);
    }

    private static void WriteTensor(Utf8JsonWriter json, TensorReport entry)
    {
        var tensor = entry.Tensor;
        json.WriteStartObject();
        json.WriteString("name", tensor.Name);
        json.WriteString("kind", tensor.Kind.ToString().ToLowerInvariant());
        json.WriteString("node", tensor.Node);
        json.WriteString("op_type", tensor.OpType);
        json.WriteString("type", tensor.ElementType);
        json.WriteStartArray("scale");
        foreach (var scale in tensor.Scales)
        {
            json.WriteNumberValue(scale);
        }

        json.WriteEndArray();
        json.WriteStartArray("zero_point");
        foreach (var zeroPoint in tensor.ZeroPoints)
        {
            json.WriteNumberValue(zeroPoint);
        }

        json.WriteEndArray();
        if (tensor.Axis is { } axis)
        {
            json.WriteNumber("axis", axis);
        }

        json.WriteStartArray("range");
        json.WriteNumberValue(tensor.RangeMin);
        json.WriteNumberValue(tensor.RangeMax);
        json.WriteEndArray();
        if (tensor.SharesWith is { } provider)
        {
            json.WriteString("shares_parameters_with", provider);
        }

        if (entry.Sqnr is { } sqnr)
        {
            Number(json, "sqnr_db", sqnr);
        }

        if (entry.LocalSqnr is { } local)
        {
            Number(json, "local_sqnr_db", local);
        }

        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else if (double.IsNaN(value))
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value > 0 ? "Infinity" : "-Infinity");
        }
    }

    private static void Strings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void Summary(StringBuilder html, QuantizationReport report)
    {
        var s = report.Settings;
        html.Append("<table class=\"summary\">\n");
        Row(html, "Activations", $"{s.ActivationType} {(s.SymmetricActivations ? "symmetric" : "asymmetric")}");
        Row(
            html,
            "Weights",
            $"{s.WeightType} symmetric, {(s.PerChannel ? "per channel" : "per tensor")}{(s.ReduceRange ? ", 7-bit" : string.Empty)}");
        Row(html, "Calibrator", $"{s.Calibrator}, {report.CalibrationSamples} samples");
        Row(
            html,
            "Opset",
            s.OpsetBefore == s.OpsetAfter ? Invariant(s.OpsetAfter) : $"{Invariant(s.OpsetBefore)} → {Invariant(s.OpsetAfter)}");
        Row(html, "Model size", $"{Bytes(report.FloatModelBytes)} float → {Bytes(report.QuantizedModelBytes)} QDQ " +
            $"({Ratio(report.QuantizedModelBytes, report.FloatModelBytes)})");
        Row(html, "Nodes", $"{report.QuantizedNodes.Count} quantized, {report.FloatNodes.Count} float");
        Row(html, "Evaluated on", $"{report.EvaluationSamples} samples");
        if (report.Budget is { } budget)
        {
            Row(html, "Budget", $"{Quantizer.MetricName(budget.Metric)} drop {Fixed(budget.Drop)} of at most {Fixed(budget.MaxDrop)}: " +
                $"{(budget.Met ? "met" : "NOT met")} after {budget.Trials} trial(s)");
        }

        if (report.FallenBack.Count > 0)
        {
            Row(html, "Fallen back to float", string.Join(", ", report.FallenBack));
        }

        html.Append("</table>\n");
    }

    private static void Outputs(StringBuilder html, QuantizationReport report)
    {
        html.Append("<h2>Outputs</h2>\n<table>\n<thead><tr><th>Output</th><th>Cosine (mean)</th><th>Cosine (worst)</th><th>SQNR " +
            "dB</th><th>Top-1 agreement</th></tr></thead>\n<tbody>\n");
        foreach (var output in report.Outputs)
        {
            html.Append("<tr><td>").Append(Text(output.Name)).Append("</td><td>").Append(Fixed(output.Cosine)).Append("</td><td>")
                .Append(Fixed(output.WorstCosine))
                .Append("</td><td>")
                .Append(Db(output.Sqnr))
                .Append("</td><td>")
                .Append(
                    output.Top1Agreement is { } top1 ? Fixed(top1 * 100, "0.00") + " %" : "—")
                .Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    /// <summary>A horizontal bar per layer: the worst local SQNR of its activations, lowest first.</summary>
    private static void Chart(StringBuilder html, QuantizationReport report)
    {
        var layers = report.Tensors
            .Where(t => t.Tensor.Kind == QuantizedTensorKind.Activation && t.LocalSqnr is { } v && double.IsFinite(v))
            .GroupBy(t => t.Tensor.Node, StringComparer.Ordinal)
            .Select(g => (Node: g.Key, OpType: g.First().Tensor.OpType, Sqnr: g.Min(t => t.LocalSqnr!.Value)))
            .OrderBy(l => l.Sqnr)
            .ThenBy(l => l.Node, StringComparer.Ordinal)
            .Take(ChartedLayers)
            .ToList();
        html.Append("<h2>Worst layers by SQNR</h2>\n");
        if (layers.Count == 0)
        {
            html.Append("<p>No activation SQNR was measured.</p>\n");
            return;
        }

        const int BarHeight = 18, LabelWidth = 320, Width = 760;
        var top = Math.Max(layers.Max(l => l.Sqnr), 1);
        html.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" width=\"{Width}\" " +
            $"height=\"{(layers.Count * (BarHeight + 4)) + 4}\" role=\"img\" aria-label=\"SQNR of the worst layers\">\n");
        for (var i = 0; i < layers.Count; i++)
        {
            var (node, opType, sqnr) = layers[i];
            var y = 4 + (i * (BarHeight + 4));
            var length = Math.Max(1, (Width - LabelWidth - 70) * Math.Max(sqnr, 0) / top);
            html.Append(
                CultureInfo.InvariantCulture,
                $"<text x=\"{LabelWidth - 6}\" y=\"{y + 13}\" text-anchor=\"end\">{Text(node)} ({Text(opType)})</text>");
            html.Append(CultureInfo.InvariantCulture, $"<rect x=\"{LabelWidth}\" y=\"{y}\" width=\"{length:0.#}\" height=\"{BarHeight}\" " +
                $"class=\"{(sqnr < 20 ? "bad" : sqnr < 30 ? "fair" : "good")}\"/>");
            html.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth + length + 6:0.#}\" y=\"{y + 13}\">{sqnr:0.0} dB</text>\n");
        }

        html.Append("</svg>\n");
    }

    private static void Trials(StringBuilder html, QuantizationReport report)
    {
        if (report.Budget is null)
        {
            return;
        }

        html.Append(
            "<h2>Accuracy budget search</h2>\n<table>\n<thead><tr><th>Trial</th><th>Fell back</th><th>Drop</th></tr></thead>\n<tbody>\n");
        foreach (var trial in report.Trials)
        {
            html.Append("<tr><td>").Append(Invariant(trial.Trial)).Append("</td><td>").Append(
                trial.FellBack is null ? "—" : Text(trial.FellBack)).Append("</td><td>").Append(Fixed(trial.Drop)).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    private static void Tensors(StringBuilder html, QuantizationReport report)
    {
        html.Append("<h2>Quantized tensors</h2>\n<p>Click a column to sort. SQNR compares the float model with the QDQ model; local SQNR " +
            "is the tensor's own rounding.</p>\n");
        html.Append("<table " +
            "class=\"sortable\">\n<thead><tr><th>Tensor</th><th>Kind</th><th>Node</th><th>Op</th><th>Type</th><th>Scale</th><th>Zero " +
                "point</th><th>Range</th><th>SQNR dB</th><th>Local SQNR dB</th></tr></thead>\n<tbody>\n");
        foreach (var entry in report.Tensors)
        {
            var t = entry.Tensor;
            var scale = t.Scales.Count == 1 ? Scientific(t.Scales[0]) : $"{t.Scales.Count} channels (axis {t.Axis})";
            var zeroPoint = t.ZeroPoints.Count == 1 ? Invariant(t.ZeroPoints[0]) : $"{t.ZeroPoints.Count} channels";
            html.Append("<tr><td>").Append(Text(t.Name)).Append("</td><td>").Append(t.Kind.ToString().ToLowerInvariant())
                .Append("</td><td>")
                .Append(Text(t.Node))
                .Append("</td><td>")
                .Append(Text(t.OpType))
                .Append("</td><td>")
                .Append(t.ElementType)
                .Append("</td><td data-value=\"")
                .Append(SortKey(t.Scales.Count == 1
                    ? t.Scales[0]
                    : double.NaN))
                .Append("\">")
                .Append(scale)
                .Append("</td><td>")
                .Append(zeroPoint)
                .Append("</td><td data-value=\"")
                .Append(SortKey(t.RangeMax - (double)t.RangeMin))
                .Append("\">[")
                .Append(Scientific(t.RangeMin))
                .Append(", ")
                .Append(Scientific(t.RangeMax))
                .Append(']')
                .Append("</td><td data-value=\"")
                .Append(SortKey(entry.Sqnr))
                .Append("\">")
                .Append(entry.Sqnr is { } a ? Db(a) : "—")
                .Append("</td><td data-value=\"")
                .Append(SortKey(entry.LocalSqnr))
                .Append("\">")
                .Append(entry.LocalSqnr is { } b ? Db(b) : "—")
                .Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    private static void Row(StringBuilder html, string name, string value) =>
        html.Append("<tr><th>").Append(Text(name)).Append("</th><td>").Append(Text(value)).Append("</td></tr>\n");

    private static string Text(string value) => WebUtility.HtmlEncode(value);

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Fixed(double value, string format = "0.000000") =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : double.IsNaN(value) ? "—" : value > 0 ? "∞" : "−∞";

    private static string Db(double value) => Fixed(value, "0.00");

    private static string Scientific(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    private static string SortKey(double? value) =>
        value is not { } v || double.IsNaN(v) ? string.Empty : double.IsPositiveInfinity(v)
            ? "1e308"
            : double.IsNegativeInfinity(v) ? "-1e308" : v.ToString("R", CultureInfo.InvariantCulture);

    private static string Bytes(long bytes) => bytes >= 1 << 20
        ? (bytes / (1024.0 * 1024)).ToString("0.00", CultureInfo.InvariantCulture) + " MiB"
        : (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB";

    private static string Ratio(long part, long whole)
        => whole == 0 ? "—" : (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
        table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
        th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
        thead th { background: #f0f0f0; }
        table.sortable thead th { cursor: pointer; }
        table.summary th { background: #f7f7f7; }
        svg.chart text { font-size: 12px; font-family: system-ui, sans-serif; }
        rect.bad { fill: #d9534f; } rect.fair { fill: #f0ad4e; } rect.good { fill: #5cb85c; }

        """;

    private const string SortScript = """
        document.querySelectorAll("table.sortable").forEach(function (table) {
          table.querySelectorAll("thead th").forEach(function (header, column) {
            var ascending = true;
            header.addEventListener("click", function () {
              var body = table.tBodies[0];
              var rows = Array.prototype.slice.call(body.rows);
              rows.sort(function (a, b) {
                var x = a.cells[column], y = b.cells[column];
                var p = x.getAttribute("data-value"), q = y.getAttribute("data-value");
                var result = (p !== null && q !== null && p !== "" && q !== "")
                  ? parseFloat(p) - parseFloat(q)
                  : x.textContent.localeCompare(y.textContent);
                return ascending ? result : -result;
              });
              ascending = !ascending;
              rows.forEach(function (row) { body.appendChild(row); });
            });
          });
        });

        """;
}
