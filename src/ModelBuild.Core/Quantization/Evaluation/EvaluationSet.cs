using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Quantization.Evaluation;

/// <summary>One evaluation sample: its file and, in a labelled set, its class index.</summary>
/// <param name="Name">The file's path relative to the set's folder, with forward slashes.</param>
/// <param name="Path">The file.</param>
/// <param name="Label">The class index; null in an unlabelled set.</param>
public sealed record EvaluationSample(string Name, string Path, int? Label);

/// <summary>
/// The held-out samples INT8 is judged on, read as the model's single input is fed (the calibration's preprocessing).
/// Built by <see cref="EvaluationSplit"/>; every enumeration decodes the same tensors.
/// </summary>
public sealed class EvaluationSet : ICalibrationDataSource
{
    private readonly CalibrationInput _input;
    private readonly InputFileReader _reader;

    internal EvaluationSet(string source, string form, IReadOnlyList<EvaluationSample> samples, IReadOnlyList<string> classes,
        CalibrationInput input, InputFileReader reader)
    {
        Source = source;
        Form = form;
        Samples = samples;
        Classes = classes;
        _input = input;
        _reader = reader;
    }

    /// <summary>The folder the samples come from (the calibration folder for a split).</summary>
    public string Source { get; }

    /// <summary>How the set was formed: <c>class-per-folder</c>, <c>labels file</c>, <c>labels.npy</c>, <c>unlabelled folder</c> or
    /// <c>seeded split of the calibration data</c>.</summary>
    public string Form { get; }

    /// <summary>The samples in a fixed order.</summary>
    public IReadOnlyList<EvaluationSample> Samples { get; }

    /// <summary>The class names by index (empty in an unlabelled set).</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>True when every sample has a label.</summary>
    public bool IsLabelled => Samples.Count > 0 && Samples.All(s => s.Label is not null);

    /// <inheritdoc/>
    public int Count => Samples.Count;

    /// <inheritdoc/>
    public IEnumerable<CalibrationSample> Read(CancellationToken cancellationToken = default)
    {
        foreach (var sample in Samples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new CalibrationSample(sample.Name, [new NamedTensor(_input.Name, _reader.Read(sample.Path))]);
        }
    }

    /// <summary>The class name of <paramref name="label"/> (its number when the set has no names).</summary>
    public string ClassName(int label) => label >= 0 && label < Classes.Count ? Classes[label]
        : label.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Splits the data between calibration and evaluation: an evaluation folder (class-per-folder, a labels file,
/// <c>.npy</c> with <c>labels.npy</c>, or unlabelled files) beside the calibration data, or a seeded share of the
/// calibration files held out. A sample never serves both: a file whose content is in both is MB8182.
/// </summary>
public sealed class EvaluationSplit
{
    private EvaluationSplit(EvaluationSet evaluation, ICalibrationDataSource calibration, IReadOnlyList<string> calibrationFiles)
    {
        Evaluation = evaluation;
        Calibration = calibration;
        CalibrationFiles = calibrationFiles;
    }

    /// <summary>The samples INT8 is judged on.</summary>
    public EvaluationSet Evaluation { get; }

    /// <summary>The samples that calibrate (all calibration data, or what the split leaves).</summary>
    public ICalibrationDataSource Calibration { get; }

    /// <summary>The calibration files in use (for the report and dry runs).</summary>
    public IReadOnlyList<string> CalibrationFiles { get; }

    /// <summary>Forms the split for <paramref name="settings"/>; null when there are none.</summary>
    /// <param name="settings">The evaluation settings.</param>
    /// <param name="inputs">The model's calibration inputs (one: evaluation judges single-input models).</param>
    /// <param name="maxImages">Overrides the calibration's <c>max_images</c> (the command line's).</param>
    /// <exception cref="DiagnosticException">The set is missing, empty, mislabelled or overlaps calibration (MB8182, MB8184, MB8185,
    /// MB81xx).</exception>
    public static EvaluationSplit? Open(EvaluationSettings? settings, IReadOnlyList<CalibrationInput> inputs, int? maxImages = null)
    {
        if (settings is null)
        {
            return null;
        }

        ArgumentNullException.ThrowIfNull(inputs);
        settings.Validate();
        var dataset = CalibrationDataset.Open(inputs, maxImages);
        if (inputs.Count != 1)
        {
            throw Unusable(settings,
                settings.Path ?? "(split)", $"the model has {inputs.Count} inputs; evaluation sets feed single-input models");
        }

        var input = inputs[0];
        var calibrationFiles = dataset.Files.GetValueOrDefault(input.Name) ?? [];
        var resize = input.Source is ImageCalibration image ? image.ResizeMethod : ResizeMethod.Resize;
        if (settings.Path is null)
        {
            return Split(settings, input, dataset, calibrationFiles, resize);
        }

        var folder = System.IO.Path.GetFullPath(settings.Path, System.IO.Path.GetFullPath(input.BaseDirectory));
        if (!Directory.Exists(folder))
        {
            throw Unusable(settings, folder, "the folder does not exist");
        }

        var (form, samples, classes) = EvaluationFolder.Read(folder, settings);
        if (samples.Count == 0)
        {
            throw Unusable(settings, folder, "it holds no images, .npy or .raw files");
        }

        samples = Subset(samples, settings.MaxImages, settings.Seed);
        CheckDisjoint(settings, samples, calibrationFiles);
        var reader = InputFileReader.Create(input, resize, samples.Any(s => CalibrationFolder.IsImage(s.Path)), settings.PathAt);
        return new EvaluationSplit(new EvaluationSet(folder, form, samples, classes, input, reader), dataset, calibrationFiles);
    }

    /// <summary>What the action key needs: the settings, and every file of both sets with its digest.</summary>
    public JsonObject Describe() => new()
    {
        ["form"] = Evaluation.Form,
        ["classes"] = new JsonArray([.. Evaluation.Classes.Select(c => (JsonNode)JsonValue.Create(c))]),
        ["samples"] = new JsonArray([.. Evaluation.Samples.Select(s => (JsonNode)new JsonObject
        {
            ["name"] = s.Name,
            ["label"] = s.Label,
            ["sha256"] = Sha256Digest.ComputeFile(s.Path).Hex,
        })]),
        ["calibration_files"] = new JsonArray([.. CalibrationFiles.Select(f => (JsonNode)JsonValue.Create(System.IO.Path.GetFileName(f)))]),
    };

    private static EvaluationSplit Split(
        EvaluationSettings settings, CalibrationInput input, CalibrationDataset dataset, IReadOnlyList<string> files, ResizeMethod resize)
    {
        if (files.Count < 2)
        {
            var why = files.Count == 0
                ? "the calibration data is random, so nothing can be held out; set quantization.evaluation.path"
                : "the calibration data has a single sample; set quantization.evaluation.path";
            throw Unusable(settings, "(split of the calibration data)", why);
        }

        var held = Math.Clamp((int)Math.Round(files.Count * settings.SplitFraction, MidpointRounding.ToEven), 1, files.Count - 1);
        var chosen = SeededOrder(files.Select(System.IO.Path.GetFileName).ToList()!,
            settings.Seed).Take(held).ToHashSet(StringComparer.Ordinal);
        var folder = System.IO.Path.GetDirectoryName(files[0])!;
        var samples = files.Where(f => chosen.Contains(System.IO.Path.GetFileName(f))).Select(f
            => new EvaluationSample(System.IO.Path.GetFileName(f), f, null)).ToList();
        samples = Subset(samples, settings.MaxImages, settings.Seed);
        var kept = files.Where(f => !chosen.Contains(System.IO.Path.GetFileName(f))).ToList();
        var reader = InputFileReader.Create(input, resize, samples.Any(s => CalibrationFolder.IsImage(s.Path)), settings.PathAt);
        var evaluation = new EvaluationSet(folder, "seeded split of the calibration data", samples, [], input, reader);
        return new EvaluationSplit(evaluation, new HeldOutSource(dataset, chosen, kept.Count), kept);
    }

    /// <summary>At most <paramref name="maxImages"/> samples, chosen by the seeded order and kept in their own order.</summary>
    private static List<EvaluationSample> Subset(List<EvaluationSample> samples, int maxImages, int seed)
    {
        if (maxImages < 0 || samples.Count <= maxImages)
        {
            return [.. samples];
        }

        var keep = SeededOrder(samples.Select(s => s.Name).ToList(), seed).Take(maxImages).ToHashSet(StringComparer.Ordinal);
        return [.. samples.Where(s => keep.Contains(s.Name))];
    }

    /// <summary>Names ordered by SHA-256 of <c>seed:name</c>: stable across machines and runtimes, unlike a random generator.</summary>
    internal static IEnumerable<string> SeededOrder(IReadOnlyList<string> names, int seed) =>
        names.OrderBy(n => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(seed.ToString(CultureInfo.InvariantCulture)
            + ":" + n))), StringComparer.Ordinal)
            .ThenBy(n => n, StringComparer.Ordinal);

    private static void CheckDisjoint(EvaluationSettings settings, IReadOnlyList<EvaluationSample> samples,
        IReadOnlyList<string> calibrationFiles)
    {
        var calibration = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in calibrationFiles)
        {
            calibration.TryAdd(Sha256Digest.ComputeFile(file).Hex, file);
        }

        foreach (var sample in samples)
        {
            if (calibration.TryGetValue(Sha256Digest.ComputeFile(sample.Path).Hex, out var twin))
            {
                throw new DiagnosticException(EvaluationDiagnostics.SampleInBothSets.Create(settings.PathAt ?? settings.At, sample.Path,
                    twin));
            }
        }
    }

    internal static DiagnosticException Unusable(EvaluationSettings settings, string path, string why) =>
        new(EvaluationDiagnostics.SetUnusable.Create(settings.PathAt ?? settings.At, path, why));

    /// <summary>The calibration data without the samples held out for evaluation.</summary>
    private sealed class HeldOutSource(ICalibrationDataSource all, IReadOnlySet<string> heldOut, int count) : ICalibrationDataSource
    {
        public int Count => count;

        public IEnumerable<CalibrationSample> Read(CancellationToken cancellationToken = default) =>
            all.Read(cancellationToken).Where(s => !heldOut.Contains(s.Name));
    }
}
