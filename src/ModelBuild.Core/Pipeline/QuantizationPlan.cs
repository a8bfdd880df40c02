using System.Globalization;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Sessions;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// How an INT8 precision quantizes the prepared model: the quantizer's options (the manifest's
/// <c>quantization</c> section) and each input's calibration (the manifest's <c>calibration</c>), fed as the
/// prepared model expects — normalised by the app when preprocessing is not baked in, raw pixels when it is.
/// </summary>
/// <param name="Options">The quantizer's settings.</param>
/// <param name="Inputs">The manifest's resolved inputs (calibration, layout, encoding, mean, scale).</param>
/// <param name="ManifestDirectory">What relative calibration folders are relative to.</param>
/// <param name="PreprocessingInModel">True when mean, scale and channel flips are baked into the prepared model.</param>
/// <param name="At">Where the manifest sets quantization (its section, else the input model), for diagnostics without a place of their
/// own.</param>
public sealed record QuantizationPlan(
    QuantizationOptions Options,
    IReadOnlyList<ResolvedInput> Inputs,
    string ManifestDirectory,
    bool PreprocessingInModel,
    SourceLocation? At)
{
    /// <summary>The calibration inputs of the prepared model, whose signature fixes the shapes the data must have.</summary>
    public IReadOnlyList<CalibrationInput> CalibrationInputs(OnnxModelSignature prepared)
    {
        var modelInputs = prepared.Inputs.Select(v => new TensorInfo
        {
            Name = v.Name,
            ElementType = v.ElementType,
            Shape = v.Shape?.Dimensions.Select(d => d.Value ?? -1).ToList() ?? [],
            SymbolicShape = v.Shape?.Dimensions.Select(d => d.Name).ToList() ?? [],
        }).ToList();
        return Calibration.CalibrationInputs.FromManifest(Inputs, modelInputs, ManifestDirectory, PreprocessingInModel);
    }

    /// <summary>The plan with the model's class labels (the manifest's or model.yml's), which name an evaluation set's class
    /// folders.</summary>
    public QuantizationPlan WithLabels(IReadOnlyList<string> labels) =>
        Options.Evaluation is { } evaluation && labels.Count > 0
            ? this with { Options = Options with { Evaluation = evaluation with { Labels = labels } } } : this;

    /// <summary>MB8120 for every input left to ModelConverter's default random calibration (the manifest's own random form is a choice, not
    /// a warning).</summary>
    public IEnumerable<Diagnostic> Warnings() => Inputs
        .Where(i => ReferenceEquals(i.Calibration.Value, RandomCalibration.Default))
        .Select(i => CalibrationDiagnostics.RandomByDefault.Create(
            i.Name.Location ?? At,
            i.Name.Value,
            RandomCalibration.Default.MaxImages,
            RandomCalibration.Default.Mean,
            RandomCalibration.Default.Std,
            RandomCalibration.Default.MinValue,
            RandomCalibration.Default.MaxValue));

    /// <summary>
    /// The quantize action's options: the quantizer's settings and, per input, how it is fed and every file it
    /// reads with its digest, so a changed, added or removed calibration image gives a new key.
    /// </summary>
    /// <param name="inputs">The calibration inputs (<see cref="CalibrationInputs"/>).</param>
    /// <param name="knownDigests">SHA-256 (hex) of files already hashed in this compile (validation reads the same folders), by full
    /// path.</param>
    /// <exception cref="DiagnosticException">A calibration folder is missing, empty, or does not match its input (MB81xx).</exception>
    public JsonObject Describe(IReadOnlyList<CalibrationInput> inputs, IReadOnlyDictionary<string, string> knownDigests)
    {
        ArgumentNullException.ThrowIfNull(knownDigests);
        var dataset = CalibrationDataset.Open(inputs);
        var calibration = new JsonArray();
        foreach (var input in inputs)
        {
            var files = dataset.Files.GetValueOrDefault(input.Name) ?? [];
            calibration.Add(new JsonObject
            {
                ["input"] = input.Name,
                ["tensor"] = input.Describe(),
                ["source"] = DescribeSource(input.Source),
                ["image"] = input.Image is { } image
                    ? new JsonObject
                    {
                        ["layout"] = image.Layout,
                        ["encoding"] = image.Encoding.ToString(),
                        ["mean"] = new JsonArray([.. image.Mean.Select(v => (JsonNode)JsonValue.Create(v))]),
                        ["scale"] = new JsonArray([.. image.Scale.Select(v => (JsonNode)JsonValue.Create(v))]),
                    }
                    : null,
                ["files"] = new JsonArray([.. files.Select(f => (JsonNode)new JsonObject
                {
                    ["name"] = Path.GetFileName(f),
                    ["sha256"] = knownDigests.TryGetValue(Path.GetFullPath(f), out var known) ? known : Sha256Digest.ComputeFile(f).Hex,
                })]),
            });
        }

        return new JsonObject
        {
            ["quantization"] = Options.ToJson(),
            ["samples"] = dataset.Count,
            ["calibration"] = calibration,
        };
    }

    private static JsonObject DescribeSource(CalibrationSpec source) => source switch
    {
        ImageCalibration folder => new JsonObject
        {
            ["kind"] = "files",
            ["max_images"] = folder.MaxImages,
            ["resize_method"] = ResizeMethodNames.NameOf(folder.ResizeMethod),
        },
        RandomCalibration random => new JsonObject
        {
            ["kind"] = "random",
            ["max_images"] = random.MaxImages,
            ["min"] = random.MinValue,
            ["max"] = random.MaxValue,
            ["mean"] = random.Mean,
            ["std"] = random.Std,
            ["data_type"] = random.DataType.ToString(),
        },
        _ => new JsonObject { ["kind"] = source.GetType().Name.ToLower(CultureInfo.InvariantCulture) },
    };
}
