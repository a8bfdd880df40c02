using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Manifest.OpenModelZoo;

namespace ModelBuild.Core.Zoo;

/// <summary>
/// A model of a folder of manifests: an Open Model Zoo <c>model.yml</c> (named after its folder) or
/// a ModelBuild manifest (named after its file). <see cref="Subdirectory"/> is where its files go
/// under the output folder.
/// </summary>
public sealed record CatalogModel(
    string Name,
    string Subdirectory,
    string ManifestPath,
    OpenModelZooModel? OpenModelZoo,
    ModelManifest? Manifest)
{
    /// <summary>An Open Model Zoo composite model (<c>composite-model.yml</c>), listed instead of its stages; null otherwise.</summary>
    public OpenModelZooComposite? Composite { get; init; }

    /// <summary>What is downloaded: a composite model's stages, each as a model of its own; any other model itself.</summary>
    public IEnumerable<CatalogModel> Parts => Composite is null
        ? [this]
        : Composite.Stages.Select(s => new CatalogModel(s.Name, s.Subdirectory, s.FilePath, s, null));
}

/// <summary>Finds and reads every model under a folder, sorted by name as Open Model Zoo's tools list them.</summary>
public static partial class ModelCatalog
{
    [GeneratedRegex(@"^(input_model|stages)\s*:", RegexOptions.Multiline)]
    private static partial Regex ManifestRootKey();

    /// <summary>The models under <paramref name="root"/>; problems in their files are reported, and such models left out.</summary>
    public static IReadOnlyList<CatalogModel> Load(string root, Action<Diagnostic> report)
    {
        var models = new List<CatalogModel>();
        if (!Directory.Exists(root))
        {
            return models;
        }

        foreach (var file in Directory.EnumerateFiles(root, "*.y*ml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var extension = Path.GetExtension(file);
            if (extension is not (".yml" or ".yaml") || file.Contains($"{Path.DirectorySeparatorChar}.", StringComparison.Ordinal))
            {
                continue;
            }

            // Open Model Zoo lists a composite model, not its stages (their model.yml sit in its sub-folders).
            if (Path.GetFileName(file) == OpenModelZooComposite.FileName)
            {
                var (composite, problems) = OpenModelZooComposite.Load(file, root);
                foreach (var diagnostic in problems)
                {
                    report(diagnostic);
                }

                if (composite is not null)
                {
                    models.Add(new CatalogModel(composite.Name, composite.Subdirectory, file, null, null) { Composite = composite });
                }

                continue;
            }

            if (Path.GetFileName(file) == OpenModelZooLoader.FileName
                && File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(file)!)!, OpenModelZooComposite.FileName)))
            {
                continue;
            }

            if (Path.GetFileName(file) == OpenModelZooLoader.FileName)
            {
                var result = OpenModelZooLoader.Load(file, root);
                foreach (var diagnostic in result.Diagnostics)
                {
                    report(diagnostic);
                }

                if (result.Model is { } model)
                {
                    models.Add(new CatalogModel(model.Name, model.Subdirectory, file, model, null));
                }

                continue;
            }

            // Only YAML that is a ModelBuild manifest: other YAML in the folder (CI files, configs) is not a model.
            if (!ManifestRootKey().IsMatch(File.ReadAllText(file)))
            {
                continue;
            }

            var load = ManifestLoader.Load(file);
            foreach (var diagnostic in load.Diagnostics.Where(d => d.IsError))
            {
                report(diagnostic);
            }

            if (load.Manifest is { } manifest)
            {
                var name = Path.GetFileNameWithoutExtension(file);
                var folder = Path.GetRelativePath(root, Path.GetDirectoryName(file)!).Replace('\\', '/');
                models.Add(new CatalogModel(name, folder == "." ? name : $"{folder}/{name}", file, null, manifest));
            }
        }

        return [.. models.OrderBy(m => m.Name, StringComparer.Ordinal)];
    }
}
