using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>The outcome of loading a manifest: the manifest when there was no error, and every diagnostic (warnings too).</summary>
public sealed record ManifestLoadResult(ModelManifest? Manifest, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool Succeeded => Manifest is not null;
}

/// <summary>
/// Loads a model manifest: reads the YAML with line and column for every node, applies overrides,
/// validates it against ModelConverter's schema and ModelBuild's keys (or, for an Open Model Zoo <c>model.yml</c>,
/// against Open Model Zoo's), and builds <see cref="ModelManifest"/>.
/// User mistakes come back as diagnostics, never as exceptions.
/// </summary>
public static class ManifestLoader
{
    /// <summary>
    /// Loads the manifest at <paramref name="path"/> (made absolute; diagnostics name the absolute path): a YAML
    /// manifest, an Open Model Zoo <c>model.yml</c>, or an NN Archive (<c>.tar.xz</c>, <c>.tar.gz</c>, <c>.tgz</c>, <c>.tar</c>).
    /// </summary>
    public static ManifestLoadResult Load(string path) => Load(path, ManifestOverrides.Empty);

    /// <inheritdoc cref="Load(string)"/>
    public static ManifestLoadResult Load(string path, ManifestOverrides overrides) => Load(path, overrides, null);

    /// <inheritdoc cref="Load(string)"/>
    /// <param name="path">The manifest.</param>
    /// <param name="overrides">ModelConverter's key value overrides.</param>
    /// <param name="fetchArchive">Fetches an <c>input_model</c> NN Archive from a remote source; null reports one as MB2131.</param>
    public static ManifestLoadResult Load(string path, ManifestOverrides overrides, RemoteNnArchiveFetch? fetchArchive)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(overrides);
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            return Failed(ManifestDiagnostics.ManifestNotFound.Create(new SourceLocation(fullPath), fullPath));
        }

        if (NnArchives.NnArchiveFile.HasArchiveName(fullPath))
        {
            try
            {
                var config = new NnArchives.NnArchiveFile(fullPath).ReadConfig();
                return LoadText(NnArchiveManifest.ToYaml(config, fullPath), fullPath, overrides);
            }
            catch (DiagnosticException e)
            {
                return Failed(e.Diagnostic);
            }
        }

        // An Open Model Zoo composite model: its stages' model.yml files, in stages_order, as one multi-stage manifest.
        if (Path.GetFileName(fullPath) == OpenModelZoo.OpenModelZooComposite.FileName)
        {
            var found = new UniqueDiagnostics();
            var composite = OpenModelZoo.OpenModelZooComposite.ReadManifest(fullPath, found, overrides);
            return new ManifestLoadResult(found.HasErrors ? null : composite, found.Items);
        }

        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Failed(ManifestDiagnostics.ManifestUnreadable.Create(new SourceLocation(fullPath), fullPath, e.Message));
        }

        return LoadText(text, fullPath, overrides, fetchArchive);
    }

    /// <summary>Loads a manifest from text; <paramref name="displayPath"/> is the file name diagnostics and relative paths use.</summary>
    public static ManifestLoadResult LoadText(string text, string displayPath) => LoadText(text, displayPath, ManifestOverrides.Empty);

    /// <inheritdoc cref="LoadText(string, string)"/>
    public static ManifestLoadResult LoadText(string text, string displayPath, ManifestOverrides overrides) =>
        LoadText(text, displayPath, overrides, null);

    /// <inheritdoc cref="LoadText(string, string)"/>
    /// <param name="text">The manifest's YAML.</param>
    /// <param name="displayPath">The file name diagnostics and relative paths use.</param>
    /// <param name="overrides">ModelConverter's key value overrides.</param>
    /// <param name="fetchArchive">Fetches an <c>input_model</c> NN Archive from a remote source; null reports one as MB2131.</param>
    public static ManifestLoadResult LoadText(
        string text,
        string displayPath,
        ManifestOverrides overrides,
        RemoteNnArchiveFetch? fetchArchive)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(displayPath);
        ArgumentNullException.ThrowIfNull(overrides);
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
            return new ManifestLoadResult(null, diagnostics.Items);
        }

        // An input_model that is an NN Archive brings its config.json's settings; the manifest's keys, then overrides, win.
        var root = new OverrideApplication(displayPath, diagnostics)
            .ApplyAll(NnArchiveInputModel.Apply(tree.Root, displayPath, diagnostics, fetchArchive), overrides);
        // An Open Model Zoo model.yml (files and framework, no input_model) is accepted as it is.
        var manifest = OpenModelZoo.OpenModelZooLoader.LooksLikeModelYml(root)
            ? OpenModelZoo.OpenModelZooManifest.Read(root, displayPath, diagnostics)
            : new ManifestReader(displayPath, new ManifestValueReader(diagnostics)).Read(root);
        if (manifest is not null)
        {
            CheckNames(manifest, diagnostics);
        }

        return new ManifestLoadResult(diagnostics.HasErrors ? null : manifest, diagnostics.Items);
    }

    /// <summary>
    /// The manifest's <c>name:</c> and the keys of <c>stages:</c> become file names (MB1030 at the name otherwise); a name
    /// the manifest does not write (an input model's stem, stage names joined) is never used for files.
    /// </summary>
    private static void CheckNames(ModelManifest manifest, UniqueDiagnostics diagnostics)
    {
        var written = manifest.Stages.Count > 1 || manifest.Stages.Any(s => s.Name.Location != manifest.Name.Location)
            ? manifest.Stages.Select(s => s.Name)
            : [];
        foreach (var name in written.Concat(manifest.NameGiven ? [manifest.Name] : []).DistinctBy(n => (n.Value, n.Location)))
        {
            if (ModelNameRule.Problem(name.Value) is { } problem)
            {
                diagnostics.Add(ManifestDiagnostics.UnsafeManifestName.Create(name.Location, ModelNameRule.Display(name.Value), problem));
            }
        }
    }

    private static ManifestLoadResult Failed(Diagnostic diagnostic) => new(null, [diagnostic]);
}
