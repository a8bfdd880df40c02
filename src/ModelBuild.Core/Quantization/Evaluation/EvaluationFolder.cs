using System.Globalization;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Quantization.Evaluation;

/// <summary>
/// Lists an evaluation folder in one of its layouts: a labels file (<c>file label</c> lines as ImageNet's
/// <c>val.txt</c>, or CSV), <c>.npy</c> inputs with <c>labels.npy</c>, class-per-folder (<c>label/*.png</c>), or
/// unlabelled files. A label is a class index or a class name; names map to the manifest's labels when it has
/// them, else to the folder or label names in ordinal order.
/// </summary>
internal static class EvaluationFolder
{
    private const string LabelsNpy = "labels.npy";

    public static (string Form, List<EvaluationSample> Samples, IReadOnlyList<string> Classes) Read(string folder,
        EvaluationSettings settings)
    {
        var labels = settings.Labels ?? [];
        if (settings.LabelsFile is { } labelsFile)
        {
            return ("labels file", FromLabelsFile(folder, Path.GetFullPath(labelsFile, folder), labels, settings, out var classes),
                classes);
        }

        if (File.Exists(Path.Combine(folder, LabelsNpy)))
        {
            return ("labels.npy", FromLabelsNpy(folder, settings), labels);
        }

        var classFolders = Directory.GetDirectories(folder).Select(Path.GetFileName).OfType<string>()
            .Order(StringComparer.Ordinal).ToList();
        if (classFolders.Count > 0)
        {
            var names = labels.Count > 0 ? labels : classFolders;
            var samples = new List<EvaluationSample>();
            foreach (var name in classFolders)
            {
                var index = IndexOf(names, name);
                if (index < 0)
                {
                    throw EvaluationSplit.Unusable(settings, Path.Combine(folder, name),
                        $"the folder's name is not one of the model's labels ({Shorten(labels)})");
                }

                samples.AddRange(CalibrationFolder.List(Path.Combine(folder, name)).Files
                    .Select(f => new EvaluationSample(name + "/" + Path.GetFileName(f), f, index)));
            }

            return ("class-per-folder", samples, names);
        }

        var files = CalibrationFolder.List(folder).Files.Select(f => new EvaluationSample(Path.GetFileName(f), f, null)).ToList();
        return ("unlabelled folder", files, labels);
    }

    private static List<EvaluationSample> FromLabelsFile(
        string folder, string path, IReadOnlyList<string> labels, EvaluationSettings settings, out IReadOnlyList<string> classes)
    {
        if (!File.Exists(path))
        {
            throw EvaluationSplit.Unusable(settings, path, "the labels file does not exist");
        }

        var csv = Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase);
        var rows = new List<(int Line, string File, string Label)>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = csv ? line.Split(',', StringSplitOptions.TrimEntries) : line.Split((char[]?)null,
                StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2)
            {
                throw new DiagnosticException(EvaluationDiagnostics.LabelsFileInvalid.Create(settings.PathAt, path, i + 1,
                    "expected a file and a label"));
            }

            // A CSV header (file,label) is skipped.
            if (csv && rows.Count == 0 && !File.Exists(Path.Combine(folder, fields[0])) && !long.TryParse(fields[1], out _))
            {
                continue;
            }

            rows.Add((i + 1, fields[0].Trim('"'), fields[1].Trim('"')));
        }

        var named = rows.Where(r => !int.TryParse(r.Label, NumberStyles.None, CultureInfo.InvariantCulture, out _)).Select(r => r.Label);
        classes = labels.Count > 0 ? labels : named.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var samples = new List<EvaluationSample>();
        foreach (var (line, file, label) in rows)
        {
            var full = Path.GetFullPath(file, folder);
            if (!File.Exists(full))
            {
                throw new DiagnosticException(EvaluationDiagnostics.LabelsFileInvalid.Create(settings.PathAt, path, line,
                    $"'{full}' does not exist"));
            }

            var index = int.TryParse(label, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : IndexOf(classes,
                label);
            if (index < 0)
            {
                throw new DiagnosticException(EvaluationDiagnostics.LabelsFileInvalid.Create(settings.PathAt, path, line,
                    $"'{label}' is not one of the labels ({Shorten(classes)})"));
            }

            samples.Add(new EvaluationSample(file.Replace('\\', '/'), full, index));
        }

        return samples;
    }

    private static List<EvaluationSample> FromLabelsNpy(string folder, EvaluationSettings settings)
    {
        var files = CalibrationFolder.List(folder).Files.Where(f => !Path.GetFileName(f).Equals(LabelsNpy,
            StringComparison.Ordinal)).ToList();
        var path = Path.Combine(folder, LabelsNpy);
        Tensor tensor;
        try
        {
            tensor = NpyFile.Read(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            throw EvaluationSplit.Unusable(settings, path, e.Message);
        }

        long[] values = tensor.ElementType switch
        {
            TensorElementType.Int64 => tensor.ToArray<long>(),
            TensorElementType.Int32 => [.. tensor.ToArray<int>().Select(v => (long)v)],
            _ => throw EvaluationSplit.Unusable(settings, path, $"labels.npy holds {tensor}; it must hold int32 or int64 class indices"),
        };
        if (values.Length != files.Count)
        {
            throw EvaluationSplit.Unusable(settings, path, $"labels.npy holds {values.Length} labels for {files.Count} files");
        }

        if (values.Any(v => v is < 0 or > int.MaxValue))
        {
            throw EvaluationSplit.Unusable(settings, path, "labels.npy holds a negative class index");
        }

        return [.. files.Select((f, i) => new EvaluationSample(Path.GetFileName(f), f, (int)values[i]))];
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Shorten(IReadOnlyList<string> names) =>
        names.Count == 0 ? "none" : string.Join(", ", names.Take(8)) + (names.Count > 8 ? ", ..." : string.Empty);
}
