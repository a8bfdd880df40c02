using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// An OpenVINO IR model as ModelConverter and Open Model Zoo (<c>framework: dldt</c>) take it: the <c>.xml</c> topology
/// and the <c>.bin</c> weights of the same name beside it. Read for what the vendor steps need without OpenVINO: the
/// inputs (<c>Parameter</c> layers), the outputs (<c>Result</c> layers, named by the tensor that feeds them) and
/// whether the weights are stored as FP16.
/// </summary>
/// <param name="XmlPath">The topology file.</param>
/// <param name="BinPath">The weights file.</param>
/// <param name="Inputs">The model's inputs, in the file's order.</param>
/// <param name="Outputs">The model's outputs, in the file's order.</param>
/// <param name="HalfFloatWeights">Whether any constant is stored as f16 (an FP16 IR); false for an FP32 one.</param>
public sealed record OpenVinoIrModel(
    string XmlPath,
    string BinPath,
    IReadOnlyList<OpenVinoIrTensor> Inputs,
    IReadOnlyList<OpenVinoIrTensor> Outputs,
    bool HalfFloatWeights)
{
    /// <summary>Whether <paramref name="path"/> names OpenVINO IR (its <c>.xml</c> or <c>.bin</c>), as ModelConverter tells
    /// input types apart: by the suffix.</summary>
    public static bool IsIr(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".xml" or ".bin";

    /// <summary>The precision the weights hold, as OpenVINO's precision folders name it.</summary>
    public string WeightsPrecision => HalfFloatWeights ? "FP16" : "FP32";

    /// <summary>Reads the IR named by its <c>.xml</c> or <c>.bin</c>.</summary>
    /// <exception cref="DiagnosticException">The other file of the pair is missing (MB6180), or the topology is not IR (MB6181,
    /// at the line and column of the problem when there is one).</exception>
    public static OpenVinoIrModel Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var xml = Path.ChangeExtension(Path.GetFullPath(path), ".xml");
        var bin = Path.ChangeExtension(xml, ".bin");
        foreach (var file in new[] { xml, bin })
        {
            if (!File.Exists(file))
            {
                throw new DiagnosticException(OpenVinoIrDiagnostics.PairIncomplete.Create(
                    new SourceLocation(path), Path.GetFileName(path), Path.GetFileName(file)));
            }
        }

        XDocument document;
        try
        {
            document = XDocument.Load(xml, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            throw new DiagnosticException(OpenVinoIrDiagnostics.NotIr.Create(
                new SourceLocation(xml, e.LineNumber, e.LinePosition), xml, e.Message));
        }

        var net = document.Root;
        if (net is null || net.Name.LocalName != "net" || net.Element("layers") is not { } layers)
        {
            throw NotIr(xml, net ?? (XObject)document, "its root is not <net> with <layers>");
        }

        var byId = layers.Elements("layer").ToDictionary(l => (string?)l.Attribute("id") ?? "", l => l, StringComparer.Ordinal);
        var edges = net.Element("edges")?.Elements("edge").ToList() ?? [];
        var inputs = new List<OpenVinoIrTensor>();
        var outputs = new List<OpenVinoIrTensor>();
        foreach (var layer in layers.Elements("layer"))
        {
            switch ((string?)layer.Attribute("type"))
            {
                case "Parameter":
                    inputs.Add(Parameter(xml, layer));
                    break;
                case "Result":
                    outputs.Add(Result(xml, layer, edges, byId));
                    break;
            }
        }

        if (inputs.Count == 0 || outputs.Count == 0)
        {
            throw NotIr(xml, net, "it has no Parameter (input) or no Result (output) layer");
        }

        var halfFloat = layers.Elements("layer").Any(l =>
            (string?)l.Attribute("type") == "Const" && (string?)l.Element("data")?.Attribute("element_type") == "f16");
        return new OpenVinoIrModel(xml, bin, inputs, outputs, halfFloat);
    }

    private static OpenVinoIrTensor Parameter(string xml, XElement layer)
    {
        var data = layer.Element("data");
        var port = layer.Element("output")?.Element("port");
        var name = FirstName(port) ?? (string?)layer.Attribute("name")
            ?? throw NotIr(xml, layer, "a Parameter layer has no name");
        var shapeText = (string?)data?.Attribute("shape");
        IReadOnlyList<long?>? shape = shapeText is null
            ? Dimensions(port)
            : shapeText.Length == 0 ? [] : [.. shapeText.Split(',').Select(Dimension)];
        var type = ElementType((string?)data?.Attribute("element_type") ?? (string?)port?.Attribute("precision"));
        return new OpenVinoIrTensor(name, shape, type ?? throw NotIr(xml, layer, $"input '{name}' has no element type ModelBuild knows"));
    }

    private static OpenVinoIrTensor Result(string xml, XElement layer, List<XElement> edges, Dictionary<string, XElement> byId)
    {
        var id = (string?)layer.Attribute("id");
        var port = layer.Element("input")?.Element("port");
        var edge = edges.FirstOrDefault(e => (string?)e.Attribute("to-layer") == id);
        var source = edge is not null && byId.TryGetValue((string?)edge.Attribute("from-layer") ?? "", out var from)
            ? from.Element("output")?.Elements("port")
                .FirstOrDefault(p => (string?)p.Attribute("id") == (string?)edge.Attribute("from-port"))
            : null;
        var name = FirstName(source) ?? (string?)layer.Attribute("name") ?? throw NotIr(xml, layer, "a Result layer has no name");
        var type = ElementType((string?)port?.Attribute("precision") ?? (string?)source?.Attribute("precision")) ?? TensorDataType.Float32;
        return new OpenVinoIrTensor(name, Dimensions(port), type);
    }

    private static string? FirstName(XElement? port) =>
        ((string?)port?.Attribute("names"))?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault();

    private static IReadOnlyList<long?>? Dimensions(XElement? port) =>
        port is null ? null : [.. port.Elements("dim").Select(d => Dimension(d.Value))];

    /// <summary>A dimension as IR writes it: a number, or <c>?</c>, <c>-1</c> or a range for a dynamic one.</summary>
    private static long? Dimension(string text) =>
        long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;

    /// <summary>IR's element types (<c>f32</c>) and port precisions (<c>FP32</c>).</summary>
    private static TensorDataType? ElementType(string? text) => text?.ToLowerInvariant() switch
    {
        "f32" or "fp32" => TensorDataType.Float32,
        "f16" or "fp16" => TensorDataType.Float16,
        "f64" or "fp64" => TensorDataType.Float64,
        "bf16" => TensorDataType.BFloat16,
        "i8" => TensorDataType.Int8,
        "i16" => TensorDataType.Int16,
        "i32" => TensorDataType.Int32,
        "i64" => TensorDataType.Int64,
        "u8" => TensorDataType.UInt8,
        "u16" => TensorDataType.UInt16,
        "u32" => TensorDataType.UInt32,
        "u64" => TensorDataType.UInt64,
        "boolean" or "bool" => TensorDataType.Boolean,
        _ => null,
    };

    private static DiagnosticException NotIr(string xml, XObject at, string reason)
    {
        var info = (IXmlLineInfo)at;
        return new DiagnosticException(OpenVinoIrDiagnostics.NotIr.Create(
            new SourceLocation(xml, info.HasLineInfo() ? info.LineNumber : 0, info.HasLineInfo() ? info.LinePosition : 0), xml, reason));
    }
}

/// <summary>One input or output of an OpenVINO IR model: its tensor name, shape (null dimensions are dynamic) and element
/// type.</summary>
public sealed record OpenVinoIrTensor(string Name, IReadOnlyList<long?>? Shape, TensorDataType DataType);
