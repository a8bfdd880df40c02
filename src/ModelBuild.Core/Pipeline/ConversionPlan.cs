using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Pipeline.Validation;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Targets;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// What compiling one model does after the source is inspected: the passes of the <c>prepare</c> action,
/// FP16 conversion when the precision asks for it, the ORT format when the target is <c>ort</c>, and how
/// each step is validated against the original model.
/// </summary>
/// <param name="Prepare">The prepare action's passes, in order.</param>
/// <param name="Float16">The FP16 options; null for float32 precisions.</param>
/// <param name="OrtFormat">Whether the last step writes ONNX Runtime's format.</param>
/// <param name="BakePreprocessing">Whether mean, scale and channel flips are baked in.</param>
/// <param name="Feeds">How validation feeds each input of the original model.</param>
/// <param name="Validation">The manifest's validation settings.</param>
/// <param name="Thresholds">What each step must reach against the original.</param>
/// <param name="Baked">The inputs whose preprocessing is baked in.</param>
public sealed record ConversionPlan(
    ImmutableArray<IModelPass> Prepare,
    Float16Options? Float16,
    bool OrtFormat,
    bool BakePreprocessing,
    ImmutableArray<InputFeed> Feeds,
    ValidationSettings Validation,
    ValidationThresholds Thresholds,
    ImmutableHashSet<string> Baked)
{
    /// <summary>The INT8 quantization (after prepare, before FP16); null for float precisions.</summary>
    public QuantizationPlan? Quantization { get; init; }

    /// <summary>The options of the prepare action: each pass by name, in order.</summary>
    public JsonObject PrepareOptions() => new()
    {
        ["passes"] = new JsonArray(
            [.. Prepare.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["options"] = p.DescribeOptions() })]),
    };

    /// <summary>How validation runs, as part of every converting action's options (thresholds are not: they judge, they do not
    /// compute).</summary>
    public JsonObject ValidationOptions() => Validation.Enabled
        ? new JsonObject
        {
            ["samples"] = Validation.Samples,
            ["seed"] = Validation.Seed,
            ["feeds"] = new JsonArray([.. Feeds.Select(f => (JsonNode)f.ToJson())]),
        }
        : new JsonObject { ["enabled"] = false };

    /// <summary>The calibration files validation reads, each hashed once when the plan was made.</summary>
    public IEnumerable<ImageFile> SampleFiles() => Feeds.SelectMany(f => f.Source switch
    {
        ImageSamples images => images.Files,
        TensorFileSamples tensors => tensors.Files,
        _ => [],
    });
}

/// <summary>Builds a <see cref="ConversionPlan"/> from a manifest stage, the resolved inputs and the original model's signature.</summary>
internal static class ConversionPlanner
{
    // A dimension the model leaves open and the manifest does not fix is fed with this size in validation.
    private const long OpenDimensionSize = 64;

    /// <summary>
    /// The plan, or null after adding the reasons to <paramref name="diagnostics"/>. A vendor target's
    /// <c>bakeOverride</c> (<see cref="VendorCompileChoice"/>) decides whether preprocessing is baked into the ONNX model.
    /// </summary>
    public static ConversionPlan? Create(
        ManifestStage stage,
        IReadOnlyList<ResolvedInput> inputs,
        OnnxModelSignature original,
        TargetSelection selection,
        string manifestPath,
        DiagnosticBag diagnostics,
        bool? bakeOverride = null)
    {
        var settings = stage.Conversion;
        var bake = bakeOverride ?? settings.BakePreprocessing?.Value ?? selection.Target.BakesPreprocessing;
        var passes = new List<IModelPass>();

        var shapes = inputs
            .Where(i => i.Shape is { } shape && shape.Value.All(d => d is not null))
            .Select(i => new InputShapeOverride(i.Name.Value, [.. i.Shape!.Value.Select(d => d!.Value)], i.Shape.Location))
            .OrderBy(o => o.InputName, StringComparer.Ordinal)
            .ToList();
        if (shapes.Count > 0)
        {
            passes.Add(new InputShapePass(shapes));
        }

        var frozen = new List<FrozenInput>();
        foreach (var input in inputs.Where(i => i.FrozenValue is not null))
        {
            if (FrozenValues(input, diagnostics) is { } values)
            {
                frozen.Add(new FrozenInput(input.Name.Value, values, input.FrozenValue!.Location));
            }
        }

        if (frozen.Count > 0)
        {
            passes.Add(new FrozenInputPass(frozen));
        }

        var frozenNames = inputs.Where(i => i.FrozenValue is not null).Select(i => i.Name.Value).ToHashSet(StringComparer.Ordinal);
        var preprocessing = bake
            ? inputs.Where(i => !frozenNames.Contains(i.Name.Value)).Select(Preprocessing).OfType<InputPreprocessing>().ToList()
            : [];
        if (preprocessing.Count > 0)
        {
            passes.Add(new PreprocessingPass(preprocessing));
        }

        var types = new List<InputTypeOverride>();
        foreach (var input in inputs.Where(i => i.DataType is not null && !frozenNames.Contains(i.Name.Value)))
        {
            var modelType = original.FindInput(input.Name.Value)?.ElementType ?? TensorElementType.Undefined;
            if (ManifestElementTypes.ToOnnx(input.DataType!.Value) is not { } type)
            {
                diagnostics.Add(
                    PipelineDiagnostics.DataTypeHasNoOnnxType,
                    input.DataType.Location,
                    input.DataType.Value.ToName(),
                    input.Name.Value);
            }
            else if (type != modelType)
            {
                types.Add(new InputTypeOverride(input.Name.Value, type, input.DataType.Location));
            }
        }

        if (types.Count > 0)
        {
            passes.Add(new InputTypePass(types));
        }

        if (stage.Outputs.Count > 0)
        {
            passes.Add(new OutputSelectionPass([.. stage.Outputs.Select(o => new OutputRequest(o.Name.Value, o.Name.Location))]));
        }

        if (stage.OnnxSimplification.Value != OnnxSimplifier.Off)
        {
            passes.Add(new SimplifyPass());
        }

        if (diagnostics.HasErrors)
        {
            return null;
        }

        // A vendor compiler applies the precision itself (compress_to_fp16, its quantizer): it gets a float32 model.
        var fp16 = settings.Fp16;
        var float16 = selection.Precision.HalfFloat && !selection.Target.UsesVendorToolchain
            ? new Float16Options(
                fp16.KeepIoTypes?.Value ?? selection.Target.KeepsFloatIo,
                fp16.OpBlockList is { } ops ? [.. ops.Value] : Float16Options.DefaultOpBlockList,
                fp16.NodeBlockList is { } nodes ? [.. nodes.Value] : [])
            : null;
        var bakedNames = preprocessing.Select(p => p.InputName).ToImmutableHashSet(StringComparer.Ordinal);
        var feeds = original.Inputs
            .Select(i => Feed(
                i,
                inputs.FirstOrDefault(r => r.Name.Value == i.Name),
                bakedNames.Contains(i.Name),
                frozen.FirstOrDefault(f => f.InputName == i.Name),
                manifestPath))
            .ToImmutableArray();
        return new ConversionPlan(
            [.. passes],
            float16,
            selection.Target == TargetCatalog.Ort,
            bake,
            feeds,
            settings.Validation,
            ValidationThresholds.For(selection.Precision, settings.Validation),
            bakedNames)
        {
            // rvc3, rvc4 and hailo quantize in their vendor compilers, from the calibration data; openvino converts our QDQ model.
            Quantization = selection.Precision.Quantized && !VendorCompileChoice.QuantizesItself(selection.Target)
                ? new QuantizationPlan(
                    QuantizationOptions.FromManifest(stage.Quantization),
                    inputs,
                    Path.GetDirectoryName(manifestPath)!,
                    bakedNames.Count > 0,
                    stage.Quantization?.Location ?? stage.InputModel.Source.Location)
                : null,
        };
    }

    private static InputPreprocessing? Preprocessing(ResolvedInput input)
    {
        var encoding = input.Encoding.Value;
        var flip = encoding.FlipsChannels
            ? (ColorEncodingNames.NameOf(encoding.From), ColorEncodingNames.NameOf(encoding.To))
            : ((string, string)?)null;
        ImmutableArray<double> mean = input.MeanValues is { } m ? [.. m.Value] : [];
        ImmutableArray<double> scale = input.ScaleValues is { } s ? [.. s.Value] : [];
        if (flip is null && mean.All(v => v == 0) && scale.All(v => v == 1))
        {
            return null;
        }

        var location = flip is not null ? input.Encoding.Location : input.MeanValues?.Location ?? input.ScaleValues?.Location;
        return new InputPreprocessing(input.Name.Value, input.Layout?.Value, flip, mean, scale, location);
    }

    /// <summary>The numbers of a <c>frozen_value</c>: one number or a flat list of them (MB4059 otherwise).</summary>
    private static ImmutableArray<double>? FrozenValues(ResolvedInput input, DiagnosticBag diagnostics)
    {
        var node = input.FrozenValue!;
        var items = node switch
        {
            ManifestScalar scalar => [scalar],
            ManifestSequence { Items.Count: > 0 } sequence => sequence.Items,
            _ => null,
        };
        var values = new List<double>();
        foreach (var item in items ?? [])
        {
            if (item is ManifestScalar { IsNull: false, IsQuoted: false } scalar
                && ManifestValueReader.TryParseNumber(scalar.Text, out var value))
            {
                values.Add(value);
            }
            else
            {
                items = null;
                break;
            }
        }

        if (items is null)
        {
            diagnostics.Add(PassDiagnostics.FrozenValueNotNumbers, node.Location, input.Name.Value, node.Describe());
            return null;
        }

        return [.. values];
    }

    private static InputFeed Feed(OnnxValueInfo input, ResolvedInput? resolved, bool baked, FrozenInput? frozen, string manifestPath)
    {
        var shape = resolved?.Shape is { } s && s.Value.All(d => d is not null)
            ? [.. s.Value.Select(d => d!.Value)]
            : (input.Shape?.Dimensions.Select((d, axis) => d.Value ?? (axis == 0 ? 1 : OpenDimensionSize)).ToImmutableArray() ?? []);
        var layout = resolved?.Layout?.Value;
        var axis = layout is not null && layout.Length == shape.Length ? layout.IndexOf('C', StringComparison.Ordinal) : -1;
        var encoding = resolved?.Encoding.Value;
        return new InputFeed(
            input.Name,
            input.ElementType,
            shape,
            axis,
            encoding?.FlipsChannels == true && axis >= 0 && shape[axis] == 3,
            resolved?.MeanValues is { } mean ? [.. mean.Value] : [],
            resolved?.ScaleValues is { } scale ? [.. scale.Value] : [],
            input.ElementType,
            baked,
            frozen?.Values,
            Source(resolved, shape, layout, manifestPath));
    }

    /// <summary>
    /// Images from a local calibration folder when the input is an image of a known size; else the folder's <c>.npy</c>
    /// tensors, fed as they are (audio features, embeddings); random values otherwise.
    /// </summary>
    private static SampleSource Source(ResolvedInput? resolved, ImmutableArray<long> shape, string? layout, string manifestPath)
    {
        var calibration = resolved?.Calibration.Value;
        if (calibration is ImageCalibration url)
        {
            CalibrationFolder.CheckNotUrl(url);
        }

        var folder = calibration is ImageCalibration spec ? Path.Combine(Path.GetDirectoryName(manifestPath)!, spec.Path.Value) : "";
        if (calibration is ImageCalibration images && Directory.Exists(folder))
        {
            var listing = CalibrationFolder.List(folder);
            ImmutableArray<ImageFile> Files(IReadOnlyList<string> extensions) => [.. listing.FilesWith(extensions)
                .Take(images.MaxImages < 0 ? int.MaxValue : images.MaxImages)
                .Select(f => new ImageFile(Path.GetFileName(f), f, Sha256Digest.ComputeFile(f).Hex))];

            var channels = layout is "NCHW" or "NHWC" && shape.Length == 4 && shape[0] == 1
                ? shape[layout.IndexOf('C', StringComparison.Ordinal)]
                : 0;
            if (channels is 1 or 3 && Files(CalibrationFolder.ImageExtensions) is { Length: > 0 } pictures)
            {
                var encoding = channels == 1 ? "GRAY" : ColorEncodingNames.NameOf(resolved!.Encoding.Value.To);
                return new ImageSamples(
                    pictures,
                    encoding is "RGB" or "GRAY" ? encoding : "BGR",
                    layout!,
                    ResizeMethodNames.NameOf(images.ResizeMethod));
            }

            if (Files([".npy"]) is { Length: > 0 } tensors)
            {
                return new TensorFileSamples(tensors);
            }
        }

        var random = calibration as RandomCalibration ?? RandomCalibration.Default;
        return new RandomSamples(random.MinValue, random.MaxValue, random.Mean, random.Std);
    }

    /// <summary>The stage, when its <c>input_model</c> is an ONNX model (or a source whose format shows only once fetched).</summary>
    /// <exception cref="DiagnosticException">MB6011 for a model of another format.</exception>
    public static ManifestStage OnnxStage(ManifestStage stage, string engineVersion)
    {
        var inputModel = stage.InputModel;
        // A .tflite model is converted to ONNX by tf2onnx after it is fetched (FetchStep).
        if (inputModel.Format is ModelFileFormat.Onnx or ModelFileFormat.Unknown or ModelFileFormat.TfLite)
        {
            return stage;
        }

        // IR goes straight to the OpenVINO-based vendor steps, which the standalone vendor-compile runs.
        return inputModel.Format == ModelFileFormat.OpenVinoIr
            ? throw new DiagnosticException(Toolchains.OpenVinoIrDiagnostics.NeedsOnnx.Create(
                inputModel.Source.Location,
                inputModel.Source.Value,
                "a build's pipeline (prepare, INT8, the checks in ONNX Runtime)",
                "For rvc2, rvc3 or openvino, compile the IR as it is with 'modelbuild vendor-compile <model.xml> --manifest <manifest> " +
                    "--target <target> --precision <precision> -o <folder>'; otherwise give the ONNX model the IR was made from."))
            : throw new DiagnosticException(PipelineDiagnostics.UnsupportedModelFormat.Create(
                inputModel.Source.Location, inputModel.Source.Value, inputModel.Format, engineVersion));
    }

    /// <summary>The model's inputs as the manifest resolver takes them.</summary>
    public static IReadOnlyList<ModelInput> ModelInputs(OnnxModelSignature signature) =>
        [.. signature.Inputs.Select(v => new ModelInput(v.Name, v.Shape?.Dimensions.Select(d => d.Value).ToList()))];

    /// <summary>A dimension list as people read it.</summary>
    public static string Format(IEnumerable<long> shape)
        => "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
