using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest.OpenModelZoo;

/// <summary>The outcome of reading a <c>model.yml</c>: the model when there was no error, and every diagnostic.</summary>
public sealed record OpenModelZooLoadResult(OpenModelZooModel? Model, IReadOnlyList<Diagnostic> Diagnostics);

/// <summary>
/// Reads Open Model Zoo <c>model.yml</c> files with the manifest's YAML reader, so every problem
/// points at its line and column, and validates them the way Open Model Zoo's tools do.
/// </summary>
public static partial class OpenModelZooLoader
{
    /// <summary>The file name Open Model Zoo gives every model's description.</summary>
    public const string FileName = "model.yml";

    private static readonly SectionSchema Root = new(
    [
        "description", "task_type", "files", "framework", "license", "input_info", "model_optimizer_args",
        "postprocessing", "conversion_to_onnx_args", "model_info", "quantized", "quantizable",
    ]);

    private static readonly SectionSchema File = new(["name", "size", "checksum", "source", "original_source"]);
    private static readonly SectionSchema Input = new(["name", "shape", "layout"]);
    private static readonly IReadOnlyList<string> SourceTypes = ["http", "google_drive"];
    private static readonly IReadOnlyList<string> PostprocessingTypes = ["regex_replace", "unpack_archive"];
    private static readonly IReadOnlyList<string> ArchiveFormats = ["zip", "tar", "gztar"];

    [GeneratedRegex("^[0-9a-zA-Z._-]+$")]
    private static partial Regex ModelNamePattern();

    [GeneratedRegex("^[0-9a-fA-F]{96}$")]
    private static partial Regex Sha384Pattern();

    /// <summary>Reads <paramref name="path"/>; the model's name is its folder's, its subdirectory that folder relative to <paramref
    /// name="modelsRoot"/>.</summary>
    public static OpenModelZooLoadResult Load(string path, string? modelsRoot = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fullPath = Path.GetFullPath(path);
        string text;
        try
        {
            text = System.IO.File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var at = new SourceLocation(fullPath);
            return new OpenModelZooLoadResult(null, [System.IO.File.Exists(fullPath)
                ? ManifestDiagnostics.ManifestUnreadable.Create(at, fullPath, e.Message)
                : ManifestDiagnostics.ManifestNotFound.Create(at, fullPath)]);
        }

        var folder = Path.GetDirectoryName(fullPath)!;
        var subdirectory = Path.GetRelativePath(Path.GetFullPath(modelsRoot ?? Path.GetDirectoryName(folder) ?? folder), folder)
            .Replace('\\', '/');
        return LoadText(text, fullPath, Path.GetFileName(folder), subdirectory);
    }

    /// <summary>Reads a <c>model.yml</c> from text; <paramref name="displayPath"/> is the file diagnostics name.</summary>
    public static OpenModelZooLoadResult LoadText(string text, string displayPath, string name, string subdirectory)
    {
        ArgumentNullException.ThrowIfNull(text);
        var diagnostics = new UniqueDiagnostics();
        var tree = YamlTreeReader.Read(
            text,
            string.Empty,
            m => new SourceLocation(displayPath, (int)m.Line, (int)m.Column),
            null,
            diagnostics);
        if (tree.Error is { } error)
        {
            diagnostics.Add(error.IsMultipleDocuments
                ? ManifestDiagnostics.MultipleDocuments.Create(error.Location)
                : ManifestDiagnostics.YamlSyntaxError.Create(error.Location, error.Message));
            return new OpenModelZooLoadResult(null, diagnostics.Items);
        }

        var model = new Reader(displayPath, new ManifestValueReader(diagnostics)).Read(tree.Root, name, subdirectory);
        return new OpenModelZooLoadResult(diagnostics.HasErrors ? null : model, diagnostics.Items);
    }

    /// <summary>
    /// Reads a model.yml tree that is used as a model manifest: validated as Open Model Zoo's tools do, except
    /// that a model need not be convertible to OpenVINO IR (the manifest adapter checks the framework itself).
    /// </summary>
    internal static OpenModelZooModel? ReadManifestTree(ManifestNode? root, string displayPath, UniqueDiagnostics diagnostics)
    {
        var folder = Path.GetDirectoryName(displayPath) ?? "";
        return new Reader(displayPath, new ManifestValueReader(diagnostics), forManifest: true).Read(
            root,
            Path.GetFileName(folder),
            Path.GetFileName(folder));
    }

    /// <summary>
    /// The name a model gets from its manifest's path when none is given: the folder's for an Open Model Zoo
    /// <c>model.yml</c> (Open Model Zoo names models so), else the file name without its extension.
    /// </summary>
    public static string DefaultModelName(string manifestPath)
    {
        ArgumentNullException.ThrowIfNull(manifestPath);
        var full = Path.GetFullPath(manifestPath);
        return Path.GetFileName(full) is FileName or OpenModelZooComposite.FileName
            ? Path.GetFileName(Path.GetDirectoryName(full)!)
            : Path.GetFileNameWithoutExtension(full);
    }

    /// <summary>True when <paramref name="root"/> looks like a model.yml (files and framework, no input_model).</summary>
    internal static bool LooksLikeModelYml(ManifestNode? root) =>
        root is ManifestMapping mapping && mapping.Find("files") is not null && mapping.Find("framework") is not null
            && mapping.Find("input_model") is null;

    private sealed class Reader(string filePath, ManifestValueReader values, bool forManifest = false)
    {
        private UniqueDiagnostics Diagnostics => values.Diagnostics;

        public OpenModelZooModel? Read(ManifestNode? root, string name, string subdirectory)
        {
            if (root is not ManifestMapping top)
            {
                Diagnostics.Add(
                    ManifestDiagnostics.RootNotMapping,
                    root?.Location ?? new SourceLocation(filePath, 1, 1),
                    root?.Describe() ?? "an empty document");
                return null;
            }

            Open(top, Root);
            if (!ModelNamePattern().IsMatch(name))
            {
                Diagnostics.Add(OpenModelZooDiagnostics.InvalidModelName, new SourceLocation(filePath), name);
            }

            var description = Required(top, "description");
            var taskType = Required(top, "task_type");
            var license = Required(top, "license");
            // As a manifest, any framework reads; the adapter says what an unsupported one needs.
            var framework = forManifest
                ? values.Text(RequiredNode(top, "framework"), "a framework name")
                : values.Choice(RequiredNode(top, "framework"), OpenModelZooModel.KnownFrameworks);
            var files = ReadFiles(top);
            var postprocessing = ReadPostprocessing(top);
            var inputs = ReadInputs(top);
            var moArgsNode = top.Find("model_optimizer_args")?.Value;
            var moArgs = moArgsNode is null ? null : ReadLocatedTextList(moArgsNode);
            var conversionNode = top.Find("conversion_to_onnx_args")?.Value;
            var conversion = values.TextList(conversionNode);
            var quantized = values.Choice(top.Find("quantized")?.Value, ["INT8"]);
            values.Boolean(top.Find("quantizable")?.Value, false);
            var modelInfo = ReadModelInfo(top.Find("model_info")?.Value);
            if (framework is null || description is null || taskType is null || license is null)
            {
                return null;
            }

            if (forManifest)
            {
                return new OpenModelZooModel(
                    name,
                    subdirectory,
                    filePath,
                    description,
                    taskType,
                    framework,
                    license,
                    files,
                    postprocessing,
                    inputs,
                    moArgs,
                    conversion,
                    [],
                    modelInfo);
            }

            if (framework.Value == "pytorch" && conversion is not { Count: > 0 })
            {
                Diagnostics.Add(
                    OpenModelZooDiagnostics.ConversionArgsMismatch,
                    framework.Location,
                    "'conversion_to_onnx_args' is missing: framework 'pytorch' is converted to ONNX first.");
            }
            else if (framework.Value != "pytorch" && conversion is { Count: > 0 })
            {
                Diagnostics.Add(
                    OpenModelZooDiagnostics.ConversionArgsMismatch,
                    conversionNode!.Location,
                    $"'conversion_to_onnx_args' is only for framework 'pytorch', not '{framework.Value}'.");
            }

            var precisions = moArgs is not null
                ? quantized is null ? ["FP16", "FP32"] : ["FP16-INT8", "FP32-INT8"]
                : IrPrecisions(framework, files, name);
            return new OpenModelZooModel(
                name,
                subdirectory,
                filePath,
                description,
                taskType,
                framework,
                license,
                files,
                postprocessing,
                inputs,
                moArgs,
                conversion,
                precisions,
                modelInfo);
        }

        private List<string> IrPrecisions(Located<string> framework, IReadOnlyList<OpenModelZooFile> files, string name)
        {
            if (framework.Value != "dldt")
            {
                Diagnostics.Add(OpenModelZooDiagnostics.NoConversion, framework.Location, framework.Value);
                return [];
            }

            var perPrecision = files
                .Select(f => f.Name.Value.Split('/'))
                .Where(parts => parts.Length == 2 && parts[0].StartsWith("FP", StringComparison.Ordinal))
                .GroupBy(parts => parts[0], parts => parts[1], StringComparer.Ordinal)
                .ToList();
            foreach (var group in perPrecision)
            {
                var at = files.First(f => f.Name.Value.StartsWith(group.Key + "/", StringComparison.Ordinal)).Name.Location;
                if (!OpenModelZooModel.KnownPrecisions.Contains(group.Key))
                {
                    Diagnostics.Add(
                        ManifestDiagnostics.InvalidEnumValue,
                        at,
                        $"'{group.Key}'",
                        "files.name (its precision folder)",
                        string.Join(", ", OpenModelZooModel.KnownPrecisions),
                        "");
                    continue;
                }

                foreach (var extension in new[] { "xml", "bin" })
                {
                    if (!group.Contains($"{name}.{extension}"))
                    {
                        Diagnostics.Add(
                            OpenModelZooDiagnostics.IncompleteIrPrecision,
                            at,
                            group.Key,
                            $"{group.Key}/{name}.{extension}",
                            name);
                    }
                }
            }

            return [.. perPrecision.Select(g => g.Key).Order(StringComparer.Ordinal)];
        }

        private List<OpenModelZooFile> ReadFiles(ManifestMapping top)
        {
            var files = new List<OpenModelZooFile>();
            var seen = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
            var sequence = values.Sequence(RequiredNode(top, "files"), "a list of files");
            foreach (var item in sequence?.Items ?? [])
            {
                if (values.Mapping(item, "a file {name, size, checksum, source}") is not { } mapping)
                {
                    continue;
                }

                Open(mapping, File);
                var name = RelativePath(RequiredNode(mapping, "name"));
                var size = values.Integer(RequiredNode(mapping, "size"), "a non-negative integer (bytes)", v => v >= 0);
                var checksum = ReadChecksum(RequiredNode(mapping, "checksum"));
                var source = ReadSource(RequiredNode(mapping, "source"));
                if (name is null || size is null || checksum is null || source is null)
                {
                    continue;
                }

                if (!seen.TryAdd(name.Value, name.Location))
                {
                    Diagnostics.Add(OpenModelZooDiagnostics.DuplicateFile, name.Location, name.Value, seen[name.Value].Line);
                    continue;
                }

                files.Add(new OpenModelZooFile(name, size.Value, checksum, source, mapping.Location));
            }

            return files;
        }

        private string? ReadChecksum(ManifestNode? node)
        {
            if (node is ManifestMapping mapping)
            {
                Open(mapping, new SectionSchema(["$type", "value"]));
                values.Choice(RequiredNode(mapping, "$type"), ["sha384"]);
                node = RequiredNode(mapping, "value");
            }

            var text = values.Text(node, "a SHA-384 digest (96 hexadecimal characters)");
            if (text is null)
            {
                return null;
            }

            if (!Sha384Pattern().IsMatch(text.Value))
            {
                Diagnostics.Add(OpenModelZooDiagnostics.InvalidChecksum, text.Location, node!.Path, node.Describe());
                return null;
            }

            return text.Value.ToLowerInvariant();
        }

        private OpenModelZooFileSource? ReadSource(ManifestNode? node)
        {
            if (node is ManifestScalar)
            {
                return values.Text(node, "a URL") is { } url ? new OpenModelZooHttpSource(url.Value, url.Location) : null;
            }

            if (values.Mapping(node, "a URL, or a mapping with $type http or google_drive") is not { } mapping)
            {
                return null;
            }

            var type = values.Choice(RequiredNode(mapping, "$type"), SourceTypes);
            if (type?.Value == "http")
            {
                Open(mapping, new SectionSchema(["$type", "url"]));
                return values.Text(RequiredNode(mapping, "url"), "a URL") is { } url
                    ? new OpenModelZooHttpSource(url.Value, url.Location)
                    : null;
            }

            if (type?.Value == "google_drive")
            {
                Open(mapping, new SectionSchema(["$type", "id"]));
                return values.Text(RequiredNode(mapping, "id"), "a Google Drive file id") is { } id
                    ? new OpenModelZooGoogleDriveSource(id.Value, id.Location)
                    : null;
            }

            return null;
        }

        private List<OpenModelZooPostprocessing> ReadPostprocessing(ManifestMapping top)
        {
            var steps = new List<OpenModelZooPostprocessing>();
            foreach (var item in values.Sequence(top.Find("postprocessing")?.Value, "a list of postprocessing steps")?.Items ?? [])
            {
                if (values.Mapping(item, "a postprocessing step with a $type") is not { } mapping)
                {
                    continue;
                }

                var type = values.Choice(RequiredNode(mapping, "$type"), PostprocessingTypes);
                if (type?.Value == "unpack_archive")
                {
                    Open(mapping, new SectionSchema(["$type", "file", "format"]));
                    var file = RelativePath(RequiredNode(mapping, "file"));
                    var format = values.Choice(RequiredNode(mapping, "format"), ArchiveFormats);
                    if (file is not null && format is not null)
                    {
                        steps.Add(new OpenModelZooUnpackArchive(file, format.Value, mapping.Location));
                    }
                }
                else if (type?.Value == "regex_replace")
                {
                    Open(mapping, new SectionSchema(["$type", "file", "pattern", "replacement", "count"]));
                    var file = RelativePath(RequiredNode(mapping, "file"));
                    var pattern = values.Text(RequiredNode(mapping, "pattern"), "a regular expression");
                    var replacement = values.Text(RequiredNode(mapping, "replacement"), "text") ?? (mapping.Find("replacement")?
                        .Value is ManifestScalar { IsNull: true } empty ? new Located<string>("", empty.Location) : null);
                    var count = values.Int32(mapping.Find("count")?.Value, 0, "a non-negative integer", v => v >= 0);
                    if (pattern is not null && !PythonRegex.TryTranslatePattern(pattern.Value, out _, out var problem))
                    {
                        Diagnostics.Add(OpenModelZooDiagnostics.InvalidPattern, pattern.Location, pattern.Value, problem);
                        continue;
                    }

                    if (file is not null && pattern is not null && replacement is not null)
                    {
                        steps.Add(new OpenModelZooRegexReplace(file, pattern.Value, replacement.Value, count, mapping.Location));
                    }
                }
            }

            return steps;
        }

        private List<OpenModelZooInput> ReadInputs(ManifestMapping top)
        {
            var inputs = new List<OpenModelZooInput>();
            foreach (var item in values.Sequence(top.Find("input_info")?.Value, "a list of inputs {name, shape, layout}")?.Items ?? [])
            {
                if (values.Mapping(item, "an input {name, shape, layout}") is not { } mapping)
                {
                    continue;
                }

                Open(mapping, Input);
                var name = values.Text(RequiredNode(mapping, "name"), "an input name");
                var shape = new List<long>();
                foreach (var dimension in values.Sequence(mapping.Find("shape")?.Value, "a list of integers")?.Items ?? [])
                {
                    if (values.Integer(dimension, "an integer") is { } value)
                    {
                        shape.Add(value);
                    }
                }

                var layout = values.Text(mapping.Find("layout")?.Value, "a layout such as NCHW")?.Value ?? "";
                if (name is not null)
                {
                    inputs.Add(new OpenModelZooInput(name.Value, shape, layout, mapping.Location));
                }
            }

            return inputs;
        }

        private OpenModelZooModelInfo ReadModelInfo(ManifestNode? node)
        {
            if (values.Mapping(node, "a mapping (labels, model_type, ...)") is not { } mapping)
            {
                return OpenModelZooModelInfo.None;
            }

            // Open Model Zoo keeps demo settings here too (thresholds, anchors); only labels and model_type are read.
            var labelsNode = mapping.Find("labels")?.Value;
            var modelType = values.Text(mapping.Find("model_type")?.Value)?.Value;
            return labelsNode is ManifestScalar { IsNull: false }
                ? new OpenModelZooModelInfo([], modelType)
                {
                    LabelsFile = values.Text(labelsNode, "a labels file name or a list of labels")
                }
                : new OpenModelZooModelInfo(values.TextList(labelsNode) ?? [], modelType);
        }

        private List<Located<string>>? ReadLocatedTextList(ManifestNode node)
        {
            if (values.Sequence(node, "a list of text") is not { } sequence)
            {
                return null;
            }

            return [.. sequence.Items.Select(i => values.Text(i)).OfType<Located<string>>()];
        }

        private Located<string>? RelativePath(ManifestNode? node)
        {
            var text = values.Text(node, "a relative path");
            if (text is null)
            {
                return null;
            }

            var path = text.Value.Replace('\\', '/');
            var parts = path.Split('/');
            if (path.StartsWith('/') || (path.Length >= 2 && path[1] == ':') || parts.Contains("..") || path.Length == 0)
            {
                Diagnostics.Add(OpenModelZooDiagnostics.PathNotRelative, text.Location, node!.Path, text.Value);
                return null;
            }

            return new Located<string>(string.Join('/', parts.Where(p => p is not ("" or "."))), text.Location);
        }

        /// <summary>Warns about keys outside <paramref name="schema"/>: Open Model Zoo accepts them, so they are not errors here
        /// either.</summary>
        private void Open(ManifestMapping mapping, SectionSchema schema)
        {
            foreach (var entry in mapping.Entries.Where(e => !schema.Accepts(e.Key.Text)))
            {
                var closest = NameSuggestion.Closest(entry.Key.Text, schema.Keys);
                Diagnostics.Add(
                    OpenModelZooDiagnostics.UnknownKey,
                    entry.Key.Location,
                    entry.Key.Path,
                    closest is null ? "" : $" Did you mean '{closest}'?");
            }
        }

        private string? Required(ManifestMapping mapping, string key) => values.Text(RequiredNode(mapping, key))?.Value;

        private ManifestNode? RequiredNode(ManifestMapping mapping, string key)
        {
            var node = mapping.Find(key)?.Value;
            if (node is null)
            {
                Diagnostics.Add(ManifestDiagnostics.MissingRequiredKey, mapping.Location, $"'{key}'", ManifestPath.Where(mapping));
            }

            return node;
        }
    }
}
