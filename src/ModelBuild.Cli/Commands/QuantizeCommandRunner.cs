using System.Collections.Immutable;
using System.Globalization;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Quantization.Evaluation;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;
using GraphOptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel;
using ImagingEncoding = ModelBuild.Imaging.Preprocessing.ColorEncoding;
using OrtLoggingLevel = Microsoft.ML.OnnxRuntime.OrtLoggingLevel;

namespace ModelBuild.Cli.Commands;

/// <summary>
/// Runs <c>modelbuild quantize</c>: fixes input shapes (manifest or <c>--shape</c>), builds the calibration data
/// with the manifest's preprocessing (or the options'), quantizes, prints the accuracy and writes the model and
/// the report. Command-line settings win over the manifest's.
/// </summary>
internal sealed class QuantizeCommandRunner(DiagnosticConsole console)
{
    private static readonly SourceLocation CommandLine = new(Diagnostic.ToolOrigin);

    public int Run(QuantizeRequest request, CancellationToken cancellationToken)
    {
        if (!File.Exists(request.ModelPath))
        {
            console.Report(QuantizeDiagnostics.ModelNotFound.Create(null, request.ModelPath));
            return ExitCodes.Failed;
        }

        var model = OnnxModelFile.Read(request.ModelPath);
        ManifestStage? stage = null;
        var baseDirectory = Environment.CurrentDirectory;
        if (request.ManifestPath is { } manifestPath)
        {
            stage = LoadStage(manifestPath);
            if (stage is null)
            {
                return ExitCodes.Failed;
            }

            baseDirectory = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        }

        var resolved = stage is null ? null : Resolve(stage, model);
        if (stage is not null && resolved is null)
        {
            return ExitCodes.Failed;
        }

        var shaped = FixShapes(model, resolved, request.Shapes);
        if (shaped is null)
        {
            return ExitCodes.Failed;
        }

        var options = Options(request, stage?.Quantization);
        var inputs = CalibrationInputsFor(request, shaped, resolved, baseDirectory);
        if (options is null || inputs is null)
        {
            return ExitCodes.Failed;
        }

        var data = CalibrationDataset.Open(inputs, request.MaxImages);
        console.Report(data.Warnings);

        // Issue 17: the evaluation set (flags over the manifest's), the dry run, and the tuning on held-out data.
        options = options with { Evaluation = request.Evaluation.Apply(options.Evaluation) };
        options = options.Evaluation is null ? options : options with { Budget = null };
        var split = EvaluationSplit.Open(options.Evaluation, inputs, request.MaxImages);
        if (request.DryRun)
        {
            QuantizationDryRun.Describe(Path.GetFileName(request.ModelPath), options, data.Count, split).ToList().ForEach(console.Info);
            return ExitCodes.Success;
        }

        var result = new Quantizer(options).Quantize(
            shaped, split?.Calibration ?? data, split?.Evaluation, null, Path.GetFileName(request.ModelPath), cancellationToken);
        console.Report(result.Diagnostics);
        Summarize(result.Report);
        if (result.Report.Evaluation is { } evaluation)
        {
            console.Info(EvaluationReportWriter.Summary(result.Report.ModelName, evaluation));
        }

        if (request.ReportFolder is { } folder)
        {
            var (json, html) = QuantizationReportWriter.WriteTo(result.Report, folder);
            console.Info($"  report: {html}");
            console.Info($"          {json}");
        }

        if (!result.Succeeded)
        {
            return ExitCodes.Failed;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(request.OutputPath)!);
            File.WriteAllBytes(request.OutputPath, OnnxModelFile.Write(result.Model, request.OutputPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.Report(QuantizeDiagnostics.OutputNotWritten.Create(null, request.OutputPath, e.Message));
            return ExitCodes.Failed;
        }

        console.Info($"ModelBuild: wrote '{request.OutputPath}'.");
        return ExitCodes.Success;
    }

    private ManifestStage? LoadStage(string manifestPath)
    {
        var loaded = ManifestLoader.Load(manifestPath);
        console.Report(loaded.Diagnostics);
        if (loaded.Manifest is not { } manifest)
        {
            return null;
        }

        if (manifest.SingleStage is not { } stage)
        {
            console.Report(QuantizeDiagnostics.MultiStageManifest.Create(new SourceLocation(manifest.FilePath), manifest.FilePath, manifest.Stages.Count));
            return null;
        }

        return stage;
    }

    private IReadOnlyList<ResolvedInput>? Resolve(ManifestStage stage, ModelProto model)
    {
        var signature = OnnxModelSignature.FromModel(model);
        var modelInputs = signature.Inputs.Select(i => new ModelInput(i.Name, i.Shape?.Dimensions.Select(d => d.Value).ToList())).ToList();
        var resolution = ManifestInputResolver.Resolve(stage, modelInputs);
        console.Report(resolution.Diagnostics);
        return resolution.Succeeded ? resolution.Inputs : null;
    }

    /// <summary>The model with the manifest's fixed shapes and the <c>--shape</c> options applied; null after an error.</summary>
    private ModelProto? FixShapes(ModelProto model, IReadOnlyList<ResolvedInput>? resolved, IReadOnlyList<string> shapes)
    {
        var overrides = new Dictionary<string, InputShapeOverride>(StringComparer.Ordinal);
        foreach (var input in resolved ?? [])
        {
            if (input.Shape is { } shape && shape.Value.All(d => d is > 0))
            {
                overrides[input.Name.Value] = new InputShapeOverride(input.Name.Value, [.. shape.Value.Select(d => d!.Value)], shape.Location);
            }
        }

        var inputNames = OnnxModelSignature.FromModel(model).InputNames.ToList();
        foreach (var text in shapes)
        {
            if (ParseShape(text, inputNames) is not { } parsed)
            {
                return null;
            }

            overrides[parsed.InputName] = parsed;
        }

        if (overrides.Count == 0)
        {
            return model;
        }

        var diagnostics = new DiagnosticBag();
        var shaped = new InputShapePass(overrides.Values).Apply(model, diagnostics);
        console.Report(diagnostics.Items);
        return shaped;
    }

    private InputShapeOverride? ParseShape(string text, List<string> inputNames)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var name = equals >= 0 ? text[..equals] : inputNames.Count == 1 ? inputNames[0] : null;
        if (name is null)
        {
            console.Report(QuantizeDiagnostics.InvalidShape.Create(CommandLine, text, $"the model has {inputNames.Count} inputs ({string.Join(", ", inputNames)}); write name=1,3,224,224"));
            return null;
        }

        var dims = new List<long>();
        foreach (var part in text[(equals + 1)..].Split(',', StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var dim))
            {
                console.Report(QuantizeDiagnostics.InvalidShape.Create(CommandLine, text, "dimensions are positive integers separated by commas, e.g. 1,3,224,224"));
                return null;
            }

            dims.Add(dim);
        }

        return new InputShapeOverride(name, [.. dims], CommandLine);
    }

    private IReadOnlyList<CalibrationInput>? CalibrationInputsFor(QuantizeRequest request, ModelProto model, IReadOnlyList<ResolvedInput>? resolved, string baseDirectory)
    {
        IReadOnlyList<TensorInfo> modelInputs;
        var probeOptions = new ModelSessionOptions { OptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, LogSeverity = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using (var session = new ModelSession(OnnxModelFile.Write(model), probeOptions))
        {
            modelInputs = session.Inputs;
        }

        var resize = ResizeMethod(request.ResizeMethod);
        if (request.ResizeMethod is not null && resize is null)
        {
            return null;
        }

        IReadOnlyList<CalibrationInput> inputs;
        if (resolved is not null)
        {
            inputs = CalibrationInputs.FromManifest(resolved, modelInputs, baseDirectory);
        }
        else
        {
            var feed = Feed(request);
            if (feed is null)
            {
                return null;
            }

            inputs = CalibrationInputs.Uniform(modelInputs, RandomCalibration.Default, feed, baseDirectory);
        }

        return [.. inputs.Select(input => input with { Source = Source(request, input.Source, resize), BaseDirectory = request.Calibration is null ? input.BaseDirectory : Environment.CurrentDirectory })];
    }

    /// <summary>The calibration of one input after <c>--calibration</c>, <c>--max-images</c> and <c>--resize-method</c>.</summary>
    private static CalibrationSpec Source(QuantizeRequest request, CalibrationSpec source, Core.Manifest.ResizeMethod? resize)
    {
        if (request.Calibration is "random")
        {
            return new RandomCalibration(MaxImages: request.MaxImages ?? RandomCalibration.Default.MaxImages);
        }

        if (request.Calibration is { } folder)
        {
            return new ImageCalibration(new Located<string>(folder, CommandLine), request.MaxImages ?? -1, resize ?? Core.Manifest.ResizeMethod.Resize);
        }

        return source is ImageCalibration images && resize is { } method ? images with { ResizeMethod = method } : source;
    }

    private Core.Manifest.ResizeMethod? ResizeMethod(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (ResizeMethodNames.TryParse(text.ToUpperInvariant(), out var method))
        {
            return method;
        }

        console.Report(QuantizeDiagnostics.InvalidChoice.Create(CommandLine, "--resize-method", text, string.Join(", ", ResizeMethodNames.All)));
        return null;
    }

    /// <summary>The image preprocessing given by options (no manifest): layout, channel order, mean and scale.</summary>
    private ImageFeed? Feed(QuantizeRequest request)
    {
        var layout = (request.Layout ?? "NCHW").ToUpperInvariant();
        if (layout is not ("NCHW" or "NHWC" or "CHW" or "HWC"))
        {
            console.Report(QuantizeDiagnostics.InvalidChoice.Create(CommandLine, "--layout", request.Layout, "NCHW, NHWC, CHW, HWC"));
            return null;
        }

        ImagingEncoding? encoding = (request.Encoding ?? "RGB").ToUpperInvariant() switch
        {
            "RGB" => ImagingEncoding.Rgb,
            "BGR" => ImagingEncoding.Bgr,
            "GRAY" => ImagingEncoding.Gray,
            _ => null,
        };
        if (encoding is null)
        {
            console.Report(QuantizeDiagnostics.InvalidChoice.Create(CommandLine, "--encoding", request.Encoding, "RGB, BGR, GRAY"));
            return null;
        }

        return new ImageFeed(layout, encoding.Value, request.Mean, request.Scale);
    }

    private QuantizationOptions? Options(QuantizeRequest request, QuantizationSpec? spec)
    {
        var options = QuantizationOptions.FromManifest(spec);
        var calibration = options.Calibration;
        if (request.Calibrator is { } calibrator)
        {
            if (!Enum.TryParse<CalibrationMethod>(calibrator, ignoreCase: true, out var method) || !QuantizationSpec.Calibrators.Contains(calibrator.ToLowerInvariant()))
            {
                console.Report(QuantizeDiagnostics.InvalidChoice.Create(CommandLine, "--calibrator", calibrator, string.Join(", ", QuantizationSpec.Calibrators)));
                return null;
            }

            calibration = calibration with { Method = method };
        }

        if (request.ActivationType is { } type && !QuantizationSpec.ActivationTypes.Contains(type.ToLowerInvariant()))
        {
            console.Report(QuantizeDiagnostics.InvalidChoice.Create(CommandLine, "--activation-type", type, string.Join(", ", QuantizationSpec.ActivationTypes)));
            return null;
        }

        var metric = request.Metric is null ? null : QuantizationOptions.MetricOf(request.Metric.ToLowerInvariant());
        if (request.Metric is not null && metric is null && EvaluationSettings.MetricOf(request.Metric.ToLowerInvariant()) is null)
        {
            console.Report(QuantizeDiagnostics.InvalidChoice.Create(CommandLine, "--metric", request.Metric, string.Join(", ", QuantizationSpec.Metrics)));
            return null;
        }

        var budget = options.Budget;
        if (request.MaxDrop is not null || metric is not null || (request.MaxTrials is not null && !request.Evaluation.AsksForEvaluation))
        {
            var defaults = budget ?? new AccuracyBudget();
            budget = defaults with
            {
                MaxDrop = request.MaxDrop ?? defaults.MaxDrop,
                Metric = metric ?? defaults.Metric,
                MaxTrials = request.MaxTrials ?? defaults.MaxTrials,
            };
        }

        return options with
        {
            Calibration = calibration,
            ActivationType = request.ActivationType is { } t ? (t.Equals("int8", StringComparison.OrdinalIgnoreCase) ? QuantizedType.Int8 : QuantizedType.UInt8) : options.ActivationType,
            PerChannel = !request.PerTensor && options.PerChannel,
            ReduceRange = request.ReduceRange || options.ReduceRange,
            NodesToExclude = [.. options.NodesToExclude, .. request.ExcludeNodes],
            OpTypesToExclude = [.. options.OpTypesToExclude, .. request.ExcludeOpTypes],
            Budget = budget,
        };
    }

    private void Summarize(QuantizationReport report)
    {
        var s = report.Settings;
        console.Info(string.Create(CultureInfo.InvariantCulture,
            $"ModelBuild: quantized '{report.ModelName}' to INT8 QDQ ({s.ActivationType} activations, int8 weights {(s.PerChannel ? "per channel" : "per tensor")}, {s.Calibrator} on {report.CalibrationSamples} samples): {report.QuantizedNodes.Count} nodes quantized, {report.FloatNodes.Count} float; {report.FloatModelBytes:N0} -> {report.QuantizedModelBytes:N0} bytes."));
        foreach (var output in report.Outputs)
        {
            var top1 = output.Top1Agreement is { } agreement ? string.Create(CultureInfo.InvariantCulture, $", top-1 agreement {agreement * 100:0.0} %") : string.Empty;
            console.Info(string.Create(CultureInfo.InvariantCulture, $"  {output.Name}: cosine {output.Cosine:0.00000}, SQNR {output.Sqnr:0.0} dB{top1} ({report.EvaluationSamples} samples)"));
        }

        if (report.FallenBack.Count > 0)
        {
            console.Info($"  fell back to float: {string.Join(", ", report.FallenBack)}");
        }
    }
}
