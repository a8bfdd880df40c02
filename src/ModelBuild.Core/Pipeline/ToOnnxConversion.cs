using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest.OpenModelZoo;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// How a model of another framework becomes ONNX: the converter Open Model Zoo or ModelConverter would use for it, and
/// its arguments, written with <c>{dir}</c> (the folder holding the model's files) and <c>{out}</c> (the ONNX file to
/// write) so the action key never holds a temporary path. <see cref="Tools"/> are located and identified before the key.
/// </summary>
/// <param name="Framework">tf, tflite, paddle or pytorch.</param>
/// <param name="Tools">The converter (the program run), then a script it runs, if any.</param>
/// <param name="Arguments">The converter's arguments; <c>{script}</c> stands for the script's path.</param>
public sealed record ToOnnxConversion(string Framework, IReadOnlyList<ToolRequirement> Tools, IReadOnlyList<string> Arguments)
{
    /// <summary>The ONNX opset tf2onnx is asked for (its default is older than ModelBuild's passes prefer).</summary>
    public const string Tf2OnnxOpset = "17";

    /// <summary>The opset Paddle2ONNX is asked for (the highest every release from 1.0 on writes).</summary>
    public const string Paddle2OnnxOpset = "13";

    private const string DownloadDir = "$dl_dir/";

    /// <summary>A ModelConverter <c>input_model: model.tflite</c>, its file laid out as <paramref name="fileName"/>.</summary>
    public static ToOnnxConversion TfLite(string fileName) =>
        new("tflite", [OnnxConverterTools.Tf2Onnx], Tf2Onnx("--tflite", "{dir}/" + fileName));

    private static string[] Tf2Onnx(params string[] input) =>
        ["-m", "tf2onnx.convert", .. input, "--output", "{out}", "--opset", Tf2OnnxOpset];

    /// <summary>The conversion of an Open Model Zoo model of <c>framework: tf, tflite, paddle</c> or <c>pytorch</c>.</summary>
    /// <exception cref="DiagnosticException">The model.yml does not say which file to convert (MB6132).</exception>
    public static ToOnnxConversion ForOpenModelZoo(OpenModelZooModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var framework = model.Framework;
        var arguments = (model.ModelOptimizerArgs ?? []).Select(a => a.Value).ToList();
        string? Named(string flag) =>
            arguments.FirstOrDefault(a => a.StartsWith(flag + "=", StringComparison.Ordinal))?[(flag.Length + 1)..];
        string InDownloads(string flag) =>
            Named(flag) is { } value && value.StartsWith(DownloadDir, StringComparison.Ordinal)
                ? "{dir}/" + value[DownloadDir.Length..]
                : throw new DiagnosticException(PipelineConversionDiagnostics.ConvertedFileUnknown.Create(
                    framework.Location, model.Name, framework.Value, $"{flag}=$dl_dir/<file>"));

        switch (framework.Value)
        {
            case "tflite":
                return new("tflite", [OnnxConverterTools.Tf2Onnx], Tf2Onnx("--tflite", InDownloads("--input_model")));
            case "tf" when Named("--saved_model_dir") is not null:
                return new("tf", [OnnxConverterTools.Tf2Onnx], Tf2Onnx("--saved-model", InDownloads("--saved_model_dir")));
            case "tf":
                var inputs = string.Join(',', model.InputInfo.Select(i => i.Name + ":0"));
                var outputs = Named("--output") is { } names ? string.Join(',', names.Split(',').Select(n => n + ":0")) : null;
                if (inputs.Length == 0 || outputs is null)
                {
                    throw new DiagnosticException(PipelineConversionDiagnostics.ConvertedFileUnknown.Create(
                        framework.Location,
                        model.Name,
                        framework.Value,
                        "input_info names and --output=<names> (a frozen graph's ends)"));
                }

                var graph = InDownloads("--input_model");
                return new("tf", [OnnxConverterTools.Tf2Onnx], Tf2Onnx("--graphdef", graph, "--inputs", inputs, "--outputs", outputs));
            case "paddle":
                var file = InDownloads("--input_model");
                var folder = file[..file.LastIndexOf('/')];
                var name = file[(folder.Length + 1)..];
                return new("paddle", [OnnxConverterTools.Paddle2Onnx], [
                    "--model_dir", folder, "--model_filename", name, "--params_filename",
                    Path.ChangeExtension(name, ".pdiparams"), "--save_file", "{out}", "--opset_version", Paddle2OnnxOpset]);
            case "pytorch":
                // Open Model Zoo's own route: its script, with the model.yml's conversion_to_onnx_args; $conv_dir is where it writes.
                var converted = (model.ConversionToOnnxArgs ?? [])
                    .Select(a => a.Replace("$dl_dir", "{dir}", StringComparison.Ordinal)
                        .Replace("$conv_dir", "{dir}/.converted", StringComparison.Ordinal)
                        .Replace("$config_dir", "{config}", StringComparison.Ordinal))
                    .ToList();
                const string outputFlag = "--output-file=";
                var output = converted.FirstOrDefault(a => a.StartsWith(outputFlag, StringComparison.Ordinal))?[outputFlag.Length..]
                    ?? throw new DiagnosticException(PipelineConversionDiagnostics.ConvertedFileUnknown.Create(
                        framework.Location,
                        model.Name,
                        framework.Value,
                        "--output-file=$conv_dir/<name>.onnx in conversion_to_onnx_args"));
                ToolRequirement[] pytorch = [OnnxConverterTools.PyTorch, OnnxConverterTools.PyTorchToOnnxScript];
                return new("pytorch", pytorch, ["--", "{script}", .. converted])
                {
                    OutputFile = output,
                };
            default:
                throw new DiagnosticException(PipelineConversionDiagnostics.ConvertedFileUnknown.Create(
                    framework.Location, model.Name, framework.Value, "a framework ModelBuild converts (tf, tflite, paddle, pytorch)"));
        }
    }

    /// <summary>Where the converter writes the ONNX file, when its arguments name it rather than <c>{out}</c>.</summary>
    public string? OutputFile { get; init; }

    /// <summary>The conversion in the action key: the framework, the arguments as written and each tool's identity.</summary>
    public JsonObject KeyOptions(IReadOnlyList<ToolIdentity> identities) => new()
    {
        ["framework"] = Framework,
        ["arguments"] = new JsonArray([.. Arguments.Select(a => (JsonNode)a)]),
        ["tools"] = new JsonArray([.. identities.Select(i => (JsonNode)i.ToJson())]),
    };

    /// <summary>Finds the tools; a missing one is MB6130 naming it and how to install it.</summary>
    public IReadOnlyList<LocatedTool> Locate(ToolLocator locator, string modelName)
    {
        ArgumentNullException.ThrowIfNull(locator);
        var located = new List<LocatedTool>();
        foreach (var tool in Tools)
        {
            try
            {
                located.Add(locator.Locate(tool, $"{modelName} ({Framework} to ONNX)"));
            }
            catch (ToolNotFoundException e)
            {
                throw new DiagnosticException(PipelineConversionDiagnostics.ConverterNotFound.Create(
                    null, modelName, Framework, tool.Name, tool.Purpose, tool.EnvironmentVariable, tool.HowToGet, e.Diagnostic.Message));
            }
        }

        return located;
    }

    /// <summary>
    /// Each located tool's identity: a program's from its version probe and digest; a script's (run by the program, not
    /// executable itself) from its digest.
    /// </summary>
    public static async Task<IReadOnlyList<ToolIdentity>> IdentifyAsync(
        IReadOnlyList<LocatedTool> tools,
        ToolIdentifier identifier,
        ToolLog log,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(identifier);
        var identities = new List<ToolIdentity>();
        foreach (var tool in tools)
        {
            if (tool.Requirement == OnnxConverterTools.PyTorchToOnnxScript)
            {
                var bytes = await File.ReadAllBytesAsync(tool.Path, cancellationToken).ConfigureAwait(false);
                identities.Add(new ToolIdentity(tool.Name, tool.Path, "script", Convert.ToHexStringLower(SHA256.HashData(bytes))));
                continue;
            }

            identities.Add(await identifier.IdentifyAsync(tool, log, Path.GetTempPath(), cancellationToken).ConfigureAwait(false));
        }

        return identities;
    }

    /// <summary>Runs the converter over the files in <paramref name="folder"/>; returns the ONNX file it wrote.</summary>
    /// <exception cref="DiagnosticException">The converter failed (MB6103), timed out (MB6104) or wrote no ONNX file (MB6131).</exception>
    public async Task<string> RunAsync(
        IReadOnlyList<LocatedTool> tools,
        string folder,
        string? configFolder,
        ToolLog log,
        TimeSpan timeout,
        string modelName,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var output = Path.Combine(folder, ".converted", "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        string Expand(string argument) => argument
            .Replace("{dir}", folder, StringComparison.Ordinal)
            .Replace("{out}", output, StringComparison.Ordinal)
            .Replace("{config}", configFolder ?? folder, StringComparison.Ordinal)
            .Replace("{script}", tools.Count > 1 ? tools[1].Path : "", StringComparison.Ordinal);
        var written = OutputFile is { } named ? Expand(named) : output;
        var invocation = new ToolInvocation(tools[0], [.. Arguments.Select(Expand)], folder);
        var result = await new ToolProcessRunner(log, timeout).RunAsync(invocation, cancellationToken).ConfigureAwait(false);
        return File.Exists(written)
            ? written
            : throw new DiagnosticException(PipelineConversionDiagnostics.NoOnnxWritten.Create(
                null, tools[0].Name, modelName, written, log.Path, ToolProcessRunner.FormatLines(result.LastLines)));
    }
}

/// <summary>The diagnostics of conversions to ONNX, codes MB6130–MB6132.</summary>
public static class PipelineConversionDiagnostics
{
    /// <summary>The converter a framework needs is not found.</summary>
    public static readonly DiagnosticDescriptor ConverterNotFound = new(
        "MB6130", DiagnosticSeverity.Error,
        "{0} is a {1} model and needs converting to ONNX by {2} ({3}), which was not found. {5} Or set {4}. ({6})");

    /// <summary>The converter ran but left no ONNX file.</summary>
    public static readonly DiagnosticDescriptor NoOnnxWritten = new(
        "MB6131", DiagnosticSeverity.Error,
        "{0} finished converting {1} without writing '{2}' (full log: {3}). Its last lines: {4}");

    /// <summary>The model.yml does not name what to convert.</summary>
    public static readonly DiagnosticDescriptor ConvertedFileUnknown = new(
        "MB6132", DiagnosticSeverity.Error,
        "{0} (framework '{1}') cannot be converted to ONNX: its model.yml needs {2}.");
}
