using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest.OpenModelZoo;

/// <summary>
/// Turns an Open Model Zoo <c>model.yml</c> into the <see cref="ModelManifest"/> the pipeline compiles:
/// <c>framework: onnx</c> only; the input model is the <c>.onnx</c> file among <c>files</c> (the one
/// <c>--input_model=$dl_dir/…</c> names when there are several), pinned by its SHA-384 and size;
/// <c>input_info</c> gives input shapes and layouts; <c>model_info.labels</c> the labels. When
/// <c>postprocessing</c> is present, every file is fetched and the steps run before the ONNX file is read.
/// </summary>
internal static partial class OpenModelZooManifest
{
    /// <summary>Where Open Model Zoo keeps the files <c>model_info.labels</c> names, relative to its repository root.</summary>
    private static readonly string[] DatasetClassesFolder = ["data", "dataset_classes"];

    [GeneratedRegex(@"^--input_model=\$dl_dir/(?<file>.+\.onnx)$")]
    private static partial Regex InputModelArgument();

    /// <summary>The manifest of <paramref name="root"/>, or null after reporting why not.</summary>
    public static ModelManifest? Read(ManifestNode? root, string displayPath, UniqueDiagnostics diagnostics)
    {
        var model = OpenModelZooLoader.ReadManifestTree(root, displayPath, diagnostics);
        if (model is null || diagnostics.HasErrors)
        {
            return null;
        }

        var framework = model.Framework;
        if (framework.Value == "dldt")
        {
            diagnostics.Add(OpenModelZooDiagnostics.IrNotSupported, framework.Location);
            return null;
        }

        if (framework.Value is not ("onnx" or "tf" or "tflite" or "paddle" or "pytorch"))
        {
            diagnostics.Add(OpenModelZooDiagnostics.FrameworkNotOnnx, framework.Location, framework.Value);
            return null;
        }

        // Other frameworks: every file fetched and laid out, postprocessed, then converted to ONNX by the framework's converter.
        var converted = framework.Value == "onnx"
            ? null
            : new InputModelSpec(
                new Located<string>(model.Name + ".onnx", framework.Location),
                ModelSourceKind.Path,
                null,
                ModelFileFormat.Onnx,
                null,
                null)
            {
                OpenModelZoo = model,
            };
        if ((converted ?? InputModelOf(model, root!.Location, diagnostics)) is not { } inputModel)
        {
            return null;
        }

        var (labels, labelsFile) = Labels(model, displayPath, diagnostics);
        if (diagnostics.HasErrors)
        {
            return null;
        }

        var name = new Located<string>(model.Name, framework.Location);
        var preprocessing = OpenModelZooPreprocessing.Read(model.ModelOptimizerArgs ?? [], diagnostics);
        var inputs = model.InputInfo
            .Select(i => new InputSpec(
                new Located<string>(i.Name, i.Location),
                i.Shape.Count > 0 ? new Located<IReadOnlyList<long>>(i.Shape, i.Location) : null,
                i.Layout.Length > 0 ? new Located<string>(i.Layout, i.Location) : null,
                null,
                preprocessing.Mean.GetValueOrDefault(i.Name),
                preprocessing.Scale.GetValueOrDefault(i.Name),
                null,
                null,
                null,
                i.Location))
            .ToList();
        var stage = new ManifestStage(
            name,
            inputModel,
            preprocessing.Defaults,
            inputs,
            [],
            new Located<OnnxSimplifier>(OnnxSimplifier.Onnxsim, root!.Location),
            VendorOptions.Default,
            StageExtras.Default,
            root.Location);
        return new ModelManifest(displayPath, name, [stage], []) { Labels = labels, LabelsFile = labelsFile };
    }

    /// <summary>The ONNX file as <c>input_model</c>: its URL and pins, or (with postprocessing) its name in the model's folder.</summary>
    private static InputModelSpec? InputModelOf(OpenModelZooModel model, SourceLocation rootLocation, UniqueDiagnostics diagnostics)
    {
        var named = model.ModelOptimizerArgs?
            .Select(a => (Argument: a, Match: InputModelArgument().Match(a.Value)))
            .FirstOrDefault(a => a.Match.Success);
        var onnxFiles = model.Files.Where(f => f.Name.Value.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)).ToList();
        Located<string> onnxName;
        if (named is { Match: { } match } && match.Success)
        {
            onnxName = new Located<string>(match.Groups["file"].Value, named.Value.Argument.Location);
        }
        else if (onnxFiles.Count == 1)
        {
            onnxName = onnxFiles[0].Name;
        }
        else
        {
            var listed = onnxFiles.Count == 0 ? "none" : string.Join(", ", onnxFiles.Select(f => f.Name.Value));
            diagnostics.Add(OpenModelZooDiagnostics.NoOnnxFile, model.Framework.Location, $".onnx files in 'files': {listed}");
            return null;
        }

        var file = model.Files.FirstOrDefault(f => f.Name.Value == onnxName.Value);
        if (model.Postprocessing.Count == 0)
        {
            if (file is null)
            {
                diagnostics.Add(
                    OpenModelZooDiagnostics.NoOnnxFile,
                    onnxName.Location,
                    $"'{onnxName.Value}' is not in 'files', and no postprocessing makes it");
                return null;
            }

            var url = file.Source.SourceText;
            var scheme = url[..Math.Max(0, url.IndexOf(':', StringComparison.Ordinal))].ToLowerInvariant();
            return new InputModelSpec(
                new Located<string>(url, file.Source.Location),
                ModelSourceKind.Uri,
                scheme,
                ModelFileFormat.Onnx,
                null,
                new Located<long>(file.Size, file.Location))
            {
                Pins = InputModelPins.None with { Sha384 = new Located<string>(file.Sha384, file.Location) },
            };
        }

        // The ONNX file exists only after postprocessing (unpacked from an archive, or patched): fetched as the whole model.
        return new InputModelSpec(onnxName, ModelSourceKind.Path, null, ModelFileFormat.Onnx, null, null) { OpenModelZoo = model };
    }

    /// <summary>
    /// <c>model_info.labels</c>: a list as written, or the lines of the file it names, looked up beside the
    /// model.yml and then in Open Model Zoo's <c>data/dataset_classes</c> of an enclosing folder.
    /// </summary>
    private static (IReadOnlyList<string> Labels, string? File) Labels(
        OpenModelZooModel model,
        string displayPath,
        UniqueDiagnostics diagnostics)
    {
        if (model.ModelInfo.LabelsFile is not { } named)
        {
            return (model.ModelInfo.Labels, null);
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(displayPath))!;
        var tried = new List<string> { Path.GetFullPath(Path.Combine(folder, named.Value)) };
        for (var up = folder; up is not null; up = Path.GetDirectoryName(up))
        {
            tried.Add(Path.Combine([up, .. DatasetClassesFolder, named.Value]));
        }

        var found = tried.FirstOrDefault(File.Exists);
        if (found is null)
        {
            diagnostics.Add(
                OpenModelZooDiagnostics.LabelsFileUnreadable,
                named.Location,
                named.Value,
                $"it is neither at {tried[0]} nor in {Path.Combine(DatasetClassesFolder)} of a folder above it");
            return ([], null);
        }

        try
        {
            var lines = File.ReadAllLines(found).Select(l => l.TrimEnd()).ToList();
            while (lines.Count > 0 && lines[^1].Length == 0)
            {
                lines.RemoveAt(lines.Count - 1);
            }

            return (lines, found);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(OpenModelZooDiagnostics.LabelsFileUnreadable, named.Location, named.Value, e.Message);
            return ([], null);
        }
    }
}
