using System.Collections.Immutable;
using System.Globalization;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Quantization.Evaluation;
using ModelBuild.Core.Sessions;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Quantization;

/// <summary>
/// Quantizes one ONNX file outside a build (<c>modelbuild quantize</c>): fixes input shapes (manifest or
/// <c>--shape</c>), builds the calibration data with the manifest's preprocessing (or the options'), quantizes,
/// reports the accuracy (the build's quantize step's summary) and writes the model and the report. The request's
/// settings win over the manifest's.
/// </summary>
/// <param name="console">Receives the diagnostics and the summary as they come.</param>
public sealed class ModelFileQuantizer(IDiagnosticOutput console)
{
    private static readonly SourceLocation CommandLine = new(Diagnostic.ToolOrigin);

    /// <summary>Quantizes <paramref name="request"/>'s model; false after reporting why not.</summary>
    public bool Run(QuantizeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!File.Exists(request.ModelPath))
        {
            console.Report(QuantizeDiagnostics.ModelNotFound.Create(null, request.ModelPath));
            return false;
        }

        var model = OnnxModelFile.Read(request.ModelPath);
        ManifestStage? stage = null;
        var baseDirectory = Environment.CurrentDirectory;
        if (request.ManifestPath is { } manifestPath)
        {
            stage = LoadStage(manifestPath);
            if (stage is null)
            {
                return false;
            }

            baseDirectory = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        }

        var resolved = stage is null ? null : Resolve(stage, model);
        if (stage is not null && resolved is null)
        {
            return false;
        }

        var shaped = FixShapes(model, resolved, request.Shapes);
        if (shaped is null)
        {
            return false;
        }

        var options = Options(request, stage?.Quantization);
        var inputs = CalibrationInputsFor(request, shaped, resolved, baseDirectory);
        if (options is null || inputs is null)
        {
            return false;
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
            return true;
        }

        var result = new Quantizer(options).Quantize(
            shaped, split?.Calibration ?? data, split?.Evaluation, null, Path.GetFileName(request.ModelPath), cancellationToken);
        console.Report(result.Diagnostics);
        foreach (var line in QuantizationSummary.Lines(Path.GetFileName(request.ModelPath), result.Report))
        {
            console.Info(line);
        }

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
            return false;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(request.OutputPath)!);
            File.WriteAllBytes(request.OutputPath, OnnxModelFile.Write(result.Model, request.OutputPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.Report(QuantizeDiagnostics.OutputNotWritten.Create(null, request.OutputPath, e.Message));
            return false;
        }

        console.Info($"ModelBuild: wrote '{request.OutputPath}'.");
        return true;
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
            console.Report(QuantizeDiagnostics.MultiStageManifest
                .Create(new SourceLocation(manifest.FilePath), manifest.FilePath, manifest.Stages.Count));
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
                overrides[input.Name.Value]
                    = new InputShapeOverride(input.Name.Value, [.. shape.Value.Select(d => d!.Value)], shape.Location);
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
            console.Report(QuantizeDiagnostics.InvalidShape.Create(
                CommandLine,
                text,
                $"the model has {inputNames.Count} inputs ({string.Join(", ", inputNames)}); write name=1,3,224,224"));
            return null;
        }

        var dims = new List<long>();
        foreach (var part in text[(equals + 1)..].Split(',', StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var dim))
            {
                console.Report(QuantizeDiagnostics.InvalidShape
                    .Create(CommandLine, text, "dimensions are positive integers separated by commas, e.g. 1,3,224,224"));
                return null;
            }

            dims.Add(dim);
        }

        return new InputShapeOverride(name, [.. dims], CommandLine);
    }

    private IReadOnlyList<CalibrationInput>? CalibrationInputsFor(
        QuantizeRequest request,
        ModelProto model,
        IReadOnlyList<ResolvedInput>? resolved,
        string baseDirectory)
    {
        IReadOnlyList<TensorInfo> modelInputs;
        var probeOptions = new ModelSessionOptions
        {
            OptimizationLevel = GraphOptimization.None,
            LogSeverity = RuntimeLogSeverity.Error
        };
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

        return [.. inputs.Select(input => input with
        {
            Source = Source(request, input.Source, resize),
            BaseDirectory = request.Calibration is null ? input.BaseDirectory : Environment.CurrentDirectory,
        })];
    }

    /// <summary>The calibration of one input after <c>--calibration</c>, <c>--max-images</c> and <c>--resize-method</c>.</summary>
    private static CalibrationSpec Source(QuantizeRequest request, CalibrationSpec source, Imaging.Preprocessing.ResizeMethod? resize)
    {
        if (request.Calibration is "random")
        {
            return new RandomCalibration(MaxImages: request.MaxImages ?? RandomCalibration.Default.MaxImages);
        }

        if (request.Calibration is { } folder)
        {
            return new ImageCalibration(
                new Located<string>(folder, CommandLine),
                request.MaxImages ?? -1,
                resize ?? Imaging.Preprocessing.ResizeMethod.Resize);
        }

        return source is ImageCalibration images && resize is { } method ? images with { ResizeMethod = method } : source;
    }

    private Imaging.Preprocessing.ResizeMethod? ResizeMethod(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (ResizeMethodNames.TryParse(text.ToUpperInvariant(), out var method))
        {
            return method;
        }

        console.Report(
            QuantizeDiagnostics.InvalidChoice.Create(CommandLine, "--resize-method", text, string.Join(", ", ResizeMethodNames.All)));
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

        Imaging.Preprocessing.ColorEncoding? encoding = (request.Encoding ?? "RGB").ToUpperInvariant() switch
        {
            "RGB" => Imaging.Preprocessing.ColorEncoding.Rgb,
            "BGR" => Imaging.Preprocessing.ColorEncoding.Bgr,
            "GRAY" => Imaging.Preprocessing.ColorEncoding.Gray,
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
            if (!Enum.TryParse<CalibrationMethod>(calibrator, ignoreCase: true, out var method)
                || !QuantizationSpec.Calibrators.Contains(calibrator.ToLowerInvariant()))
            {
                console.Report(QuantizeDiagnostics.InvalidChoice
                    .Create(CommandLine, "--calibrator", calibrator, string.Join(", ", QuantizationSpec.Calibrators)));
                return null;
            }

            calibration = calibration with { Method = method };
        }

        if (request.ActivationType is { } type && !QuantizationSpec.ActivationTypes.Contains(type.ToLowerInvariant()))
        {
            console.Report(QuantizeDiagnostics.InvalidChoice
                .Create(CommandLine, "--activation-type", type, string.Join(", ", QuantizationSpec.ActivationTypes)));
            return null;
        }

        var metric = request.Metric is null ? null : QuantizationOptions.MetricOf(request.Metric.ToLowerInvariant());
        if (request.Metric is not null && metric is null && EvaluationSettings.MetricOf(request.Metric.ToLowerInvariant()) is null)
        {
            console.Report(QuantizeDiagnostics.InvalidChoice
                .Create(CommandLine, "--metric", request.Metric, string.Join(", ", QuantizationSpec.Metrics)));
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
            ActivationType = request.ActivationType is { } t
                ? (t.Equals("int8", StringComparison.OrdinalIgnoreCase) ? QuantizedType.Int8 : QuantizedType.UInt8)
                : options.ActivationType,
            PerChannel = !request.PerTensor && options.PerChannel,
            ReduceRange = request.ReduceRange || options.ReduceRange,
            NodesToExclude = [.. options.NodesToExclude, .. request.ExcludeNodes],
            OpTypesToExclude = [.. options.OpTypesToExclude, .. request.ExcludeOpTypes],
            Budget = budget,
        };
    }
}

/// <summary>What <c>modelbuild quantize</c> was asked, as given on the command line.</summary>
/// <param name="ModelPath">The float ONNX model.</param>
/// <param name="OutputPath">Where the quantized model goes.</param>
/// <param name="Calibration">A calibration folder, or <c>random</c>; null for the manifest's.</param>
/// <param name="ManifestPath">A manifest whose single stage gives shapes, preprocessing, calibration and settings.</param>
/// <param name="Calibrator">The calibration method's name.</param>
/// <param name="PerTensor">One scale per weight tensor instead of per channel.</param>
/// <param name="ActivationType"><c>uint8</c> or <c>int8</c>.</param>
/// <param name="ReduceRange">7-bit weights.</param>
/// <param name="MaxImages">At most this many calibration samples.</param>
/// <param name="ReportFolder">Where the JSON and HTML reports go; none when null.</param>
/// <param name="Shapes">Input shapes, <c>name=1,3,224,224</c> (the name may be left out for one input).</param>
/// <param name="Layout">The image layout without a manifest.</param>
/// <param name="Encoding">The channel order without a manifest.</param>
/// <param name="Mean">The mean per channel without a manifest.</param>
/// <param name="Scale">The scale per channel without a manifest.</param>
/// <param name="ResizeMethod">How calibration images are resized.</param>
/// <param name="MaxDrop">The accuracy budget's largest drop.</param>
/// <param name="Metric">The accuracy budget's metric.</param>
/// <param name="MaxTrials">The accuracy budget's most layers tried in float.</param>
/// <param name="ExcludeNodes">Nodes kept float.</param>
/// <param name="ExcludeOpTypes">Operator types kept float.</param>
public sealed record QuantizeRequest(
    string ModelPath,
    string OutputPath,
    string? Calibration,
    string? ManifestPath,
    string? Calibrator,
    bool PerTensor,
    string? ActivationType,
    bool ReduceRange,
    int? MaxImages,
    string? ReportFolder,
    IReadOnlyList<string> Shapes,
    string? Layout,
    string? Encoding,
    IReadOnlyList<float> Mean,
    IReadOnlyList<float> Scale,
    string? ResizeMethod,
    double? MaxDrop,
    string? Metric,
    int? MaxTrials,
    IReadOnlyList<string> ExcludeNodes,
    IReadOnlyList<string> ExcludeOpTypes)
{
    /// <summary>The evaluation flags, over the manifest's evaluation settings.</summary>
    public EvaluationOverrides Evaluation { get; init; } = new();

    /// <summary>Print the resolved settings, the split and the plan, and stop.</summary>
    public bool DryRun { get; init; }
}
