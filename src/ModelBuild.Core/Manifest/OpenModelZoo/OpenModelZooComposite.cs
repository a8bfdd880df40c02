using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest.OpenModelZoo;

/// <summary>
/// An Open Model Zoo composite model: a folder with <c>composite-model.yml</c> (description, task type, framework, license and
/// <c>stages_order</c>) and one sub-folder per stage, each with its own <c>model.yml</c>, named after the composite model. Its
/// precisions are its first stage's, as Open Model Zoo's tools take them.
/// </summary>
public sealed record OpenModelZooComposite(
    string Name,
    string Subdirectory,
    string FilePath,
    string Description,
    string TaskType,
    string Framework,
    string License,
    IReadOnlyList<OpenModelZooModel> Stages)
{
    /// <summary>The composite model's file name.</summary>
    public const string FileName = "composite-model.yml";

    /// <summary>The precisions of its first stage.</summary>
    public IReadOnlyList<string> Precisions => Stages.Count == 0 ? [] : Stages[0].Precisions;

    /// <summary>
    /// Reads <paramref name="path"/> and its stages' <c>model.yml</c> files in <c>stages_order</c>; the stages' subdirectories are
    /// relative to <paramref name="modelsRoot"/> (default: the composite folder's parent).
    /// </summary>
    public static (OpenModelZooComposite? Composite, IReadOnlyList<Diagnostic> Diagnostics) Load(
        string path,
        string? modelsRoot = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fullPath = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(fullPath)!;
        var root = Path.GetFullPath(modelsRoot ?? Path.GetDirectoryName(folder) ?? folder);
        var diagnostics = new UniqueDiagnostics();
        if (ReadTree(fullPath, diagnostics) is not { } tree)
        {
            return (null, diagnostics.Items);
        }

        var stages = new List<OpenModelZooModel>();
        foreach (var (stagePath, _) in StageFiles(tree, fullPath, diagnostics))
        {
            var stage = OpenModelZooLoader.Load(stagePath, root);
            foreach (var diagnostic in stage.Diagnostics)
            {
                diagnostics.Add(diagnostic);
            }

            if (stage.Model is { } model)
            {
                stages.Add(model);
            }
        }

        if (diagnostics.HasErrors)
        {
            return (null, diagnostics.Items);
        }

        string Text(string key) => (tree.Find(key)?.Value as ManifestScalar)?.Text ?? string.Empty;
        var composite = new OpenModelZooComposite(
            Path.GetFileName(folder),
            Path.GetRelativePath(root, folder).Replace('\\', '/'),
            fullPath,
            Text("description"),
            Text("task_type"),
            Text("framework"),
            Text("license"),
            stages);
        return (composite, diagnostics.Items);
    }

    /// <summary>
    /// The composite model as a multi-stage manifest: each stage's <c>model.yml</c> read as a model manifest (so only ONNX stages
    /// compile), named after its folder; null after adding the reasons to <paramref name="diagnostics"/>. Overrides address a stage
    /// as ModelConverter's do, <c>stages.&lt;stage folder&gt;.&lt;model.yml key&gt;</c>, and apply to that stage's <c>model.yml</c>;
    /// one that names no stage is MB1042.
    /// </summary>
    internal static ModelManifest? ReadManifest(string fullPath, UniqueDiagnostics diagnostics, ManifestOverrides overrides)
    {
        if (ReadTree(fullPath, diagnostics) is not { } tree)
        {
            return null;
        }

        var files = StageFiles(tree, fullPath, diagnostics);
        var stageNames = files.Select(f => Path.GetFileName(Path.GetDirectoryName(f.Path)!)).ToList();
        foreach (var malformed in overrides.Malformed)
        {
            diagnostics.Add(ManifestDiagnostics.MalformedOverride.Create(new SourceLocation(fullPath), malformed));
        }

        foreach (var unaddressed in overrides.Items.Where(o => StageOf(o, stageNames) is null))
        {
            diagnostics.Add(OpenModelZooDiagnostics.CompositeOverrides.Create(
                new SourceLocation(fullPath), unaddressed.Text, fullPath, string.Join(", ", stageNames)));
        }

        var stages = new List<ManifestStage>();
        foreach (var (stagePath, at) in files)
        {
            var stageName = Path.GetFileName(Path.GetDirectoryName(stagePath)!);
            var prefix = "stages." + stageName + ".";
            var own = new ManifestOverrides(
                [.. overrides.Items.Where(o => StageOf(o, stageNames) == stageName).Select(o => o with { Key = o.Key[prefix.Length..] })],
                []);
            var loaded = ManifestLoader.Load(stagePath, own);
            foreach (var diagnostic in loaded.Diagnostics)
            {
                diagnostics.Add(diagnostic);
            }

            if (loaded.Manifest?.SingleStage is { } stage)
            {
                stages.Add(stage with { Name = new Located<string>(Path.GetFileName(Path.GetDirectoryName(stagePath)!), at) });
            }
        }

        if (diagnostics.HasErrors || stages.Count == 0)
        {
            return null;
        }

        var name = new Located<string>(Path.GetFileName(Path.GetDirectoryName(fullPath)!), tree.Location);
        return new ModelManifest(fullPath, name, stages, []);
    }

    /// <summary>The stage an override addresses (<c>stages.&lt;stage&gt;.&lt;key&gt;</c>, the longest stage name that fits); null for
    /// none.</summary>
    private static string? StageOf(ManifestOverride item, IReadOnlyList<string> stageNames) =>
        stageNames.Where(n => item.Key.StartsWith("stages." + n + ".", StringComparison.Ordinal)
                && item.Key.Length > "stages.".Length + n.Length + 1)
            .OrderByDescending(n => n.Length)
            .FirstOrDefault();

    private static ManifestMapping? ReadTree(string fullPath, UniqueDiagnostics diagnostics)
    {
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(ManifestDiagnostics.ManifestUnreadable.Create(new SourceLocation(fullPath), fullPath, e.Message));
            return null;
        }

        var tree = YamlTreeReader.Read(
            text, string.Empty, m => new SourceLocation(fullPath, (int)m.Line, (int)m.Column), null, diagnostics);
        if (tree.Error is { } error)
        {
            diagnostics.Add(ManifestDiagnostics.YamlSyntaxError.Create(error.Location, error.Message));
            return null;
        }

        if (tree.Root is not ManifestMapping mapping)
        {
            diagnostics.Add(ManifestDiagnostics.RootNotMapping.Create(
                new SourceLocation(fullPath, 1, 1), tree.Root?.Describe() ?? "an empty document"));
            return null;
        }

        return mapping;
    }

    /// <summary>Each stage's <c>model.yml</c> in <c>stages_order</c>, with where the stage is named; MB1040 for a missing one.</summary>
    private static List<(string Path, SourceLocation At)> StageFiles(
        ManifestMapping tree,
        string fullPath,
        UniqueDiagnostics diagnostics)
    {
        var folder = Path.GetDirectoryName(fullPath)!;
        var result = new List<(string, SourceLocation)>();
        if (tree.Find("stages_order")?.Value is not ManifestSequence { Items.Count: > 0 } order)
        {
            diagnostics.Add(OpenModelZooDiagnostics.CompositeWithoutStages.Create(tree.Location, fullPath));
            return result;
        }

        foreach (var item in order.Items)
        {
            var name = (item as ManifestScalar)?.Text ?? string.Empty;
            var stagePath = Path.Combine(folder, name, OpenModelZooLoader.FileName);
            if (ModelNameRule.Problem(name) is not null || !name.StartsWith(Path.GetFileName(folder) + "-", StringComparison.Ordinal)
                || !File.Exists(stagePath))
            {
                diagnostics.Add(
                    OpenModelZooDiagnostics.CompositeStageMissing.Create(item.Location, name, Path.GetFileName(folder), folder));
                continue;
            }

            result.Add((stagePath, item.Location));
        }

        return result;
    }
}
