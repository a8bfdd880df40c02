using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.NnArchives;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// A YAML manifest whose <c>input_model</c> is an NN Archive (<c>.tar.xz</c>, <c>.tar.gz</c>, <c>.tgz</c>, <c>.tar</c>), as
/// ModelConverter accepts one: the archive's <c>config.json</c> gives the settings (<see cref="NnArchiveManifest"/>), and the
/// manifest's own keys win over them — mappings merge key by key, <c>inputs</c> and <c>outputs</c> entries merge by
/// <c>name</c>, anything else is replaced. <c>input_model</c> becomes the archive's model file; a pin in its mapping form
/// (<c>sha256</c>, <c>size</c>…) pins that file. Overrides apply after the merge. A remote archive is fetched through the cache
/// first (<see cref="RemoteNnArchiveFetch"/>); the lock file pins it.
/// </summary>
internal static partial class NnArchiveInputModel
{
    private static readonly HashSet<string> ListsByName = new(StringComparer.Ordinal) { "inputs", "outputs" };

    /// <summary>The tree with the archive's settings under the manifest's; <paramref name="root"/> itself when its
    /// <c>input_model</c> is not an NN Archive that exists.</summary>
    public static ManifestNode? Apply(
        ManifestNode? root,
        string manifestPath,
        UniqueDiagnostics diagnostics,
        RemoteNnArchiveFetch? fetchArchive = null)
    {
        if (root is not ManifestMapping mapping || mapping.Find("stages") is not null
            || mapping.Find("input_model") is not { } entry
            || SourceNode(entry.Value) is not { } source
            || !NnArchiveFile.HasArchiveName(source.Text))
        {
            return root;
        }

        string archive;
        if (SchemePrefix().IsMatch(source.Text) && !source.Text.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            if (fetchArchive is null)
            {
                diagnostics.Add(ManifestDiagnostics.RemoteNnArchiveInput, source.Location, source.Text);
                return root;
            }

            try
            {
                archive = fetchArchive(source.Text, source.Location);
            }
            catch (DiagnosticException e)
            {
                diagnostics.Add(e.Diagnostic);
                return root;
            }
        }
        else
        {
            var text = source.Text.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? new Uri(source.Text).LocalPath : source.Text;
            archive = Path.GetFullPath(text, Path.GetDirectoryName(Path.GetFullPath(manifestPath))!);
            if (!File.Exists(archive))
            {
                return root;
            }
        }

        NnArchiveConfig config;
        try
        {
            config = new NnArchiveFile(archive).ReadConfig(source.Location);
        }
        catch (DiagnosticException e)
        {
            diagnostics.Add(e.Diagnostic);
            return root;
        }

        var archiveRoot = YamlTreeReader.Read(
            NnArchiveManifest.ToYaml(config, archive),
            string.Empty,
            _ => new SourceLocation(archive),
            null,
            diagnostics).Root as ManifestMapping;
        if (archiveRoot?.Find("input_model")?.Value is not ManifestScalar member)
        {
            return root;
        }

        // The manifest's input_model, now naming the model file inside the archive, at the manifest's line.
        var inputModel = entry.Value is ManifestMapping pinned
            ? pinned with { Entries = Replace(pinned.Entries, "source", Member(source, member)) }
            : (ManifestNode)Member(source, member);
        var user = mapping with { Entries = Replace(mapping.Entries, "input_model", inputModel) };
        return Merge(archiveRoot, user);
    }

    private static ManifestScalar? SourceNode(ManifestNode node) => node switch
    {
        ManifestScalar scalar => scalar,
        ManifestMapping mapping => mapping.Find("source")?.Value as ManifestScalar,
        _ => null,
    };

    private static ManifestScalar Member(ManifestScalar source, ManifestScalar member) =>
        source with { Text = member.Text, IsQuoted = true };

    private static List<ManifestEntry> Replace(IReadOnlyList<ManifestEntry> entries, string key, ManifestNode value) =>
        [.. entries.Select(e => e.Key.Text == key ? e with { Value = value } : e)];

    /// <summary><paramref name="over"/> on top of <paramref name="under"/>.</summary>
    private static ManifestNode Merge(ManifestNode under, ManifestNode over, string? key = null)
    {
        if (under is ManifestMapping baseMapping && over is ManifestMapping top)
        {
            var entries = new List<ManifestEntry>();
            foreach (var below in baseMapping.Entries)
            {
                var above = top.Find(below.Key.Text);
                entries.Add(above is null ? below : above with { Value = Merge(below.Value, above.Value, below.Key.Text) });
            }

            entries.AddRange(top.Entries.Where(e => baseMapping.Find(e.Key.Text) is null));
            return top with { Entries = entries };
        }

        if (key is not null && ListsByName.Contains(key) && under is ManifestSequence baseList && over is ManifestSequence topList)
        {
            var items = new List<ManifestNode>();
            var used = new HashSet<ManifestNode>(ReferenceEqualityComparer.Instance);
            foreach (var below in baseList.Items)
            {
                var above = topList.Items.FirstOrDefault(i => !used.Contains(i) && NameOf(i) is { } name && name == NameOf(below));
                if (above is not null)
                {
                    used.Add(above);
                }

                items.Add(above is null ? below : Merge(below, above));
            }

            items.AddRange(topList.Items.Where(i => !used.Contains(i)));
            return topList with { Items = items };
        }

        return over;
    }

    private static string? NameOf(ManifestNode item) =>
        (item as ManifestMapping)?.Find("name")?.Value is ManifestScalar name ? name.Text : null;

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.\-]+:")]
    private static partial Regex SchemePrefix();
}
