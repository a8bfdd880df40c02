using System.Globalization;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// Writes overrides into the YAML tree, as ModelConverter's dotted keys do: a missing key is created (a
/// list when the next part is an index, else a mapping); an index equal to a list's length, or <c>+</c>,
/// appends. Nodes that come from an override point at the manifest file and carry the override's text.
/// </summary>
internal sealed class OverrideApplication(string filePath, UniqueDiagnostics diagnostics)
{
    private const string Append = "+";

    private SourceLocation FileLocation => new(filePath);

    /// <summary>The tree with every override applied; overrides that cannot be applied are reported and skipped.</summary>
    public ManifestNode? ApplyAll(ManifestNode? root, ManifestOverrides overrides)
    {
        foreach (var malformed in overrides.Malformed)
        {
            diagnostics.Add(ManifestDiagnostics.MalformedOverride, FileLocation, malformed);
        }

        foreach (var item in overrides.Items)
        {
            root = Apply(root, item);
        }

        return root;
    }

    private ManifestNode? Apply(ManifestNode? root, ManifestOverride item)
    {
        var keys = item.Key.Split('.');
        if (keys.Any(k => k.Length == 0))
        {
            diagnostics.Add(ManifestDiagnostics.OverridePathInvalid, FileLocation, item.Text, "the key has an empty part.");
            return root;
        }

        var tree = YamlTreeReader.Read(item.Value, item.Key, _ => FileLocation, item.Text, diagnostics);
        if (tree.Error is { } error)
        {
            diagnostics.Add(
                ManifestDiagnostics.OverrideValueInvalid,
                FileLocation,
                item.Text,
                error.IsMultipleDocuments ? "it holds more than one YAML document." : error.Message);
            return root;
        }

        var value = tree.Root ?? new ManifestScalar(string.Empty, false, item.Key, FileLocation) { Override = item.Text };
        var updated = Set(root is ManifestScalar { IsNull: true } ? null : root, keys, 0, value, string.Empty, item, out var problem);
        if (problem is not null)
        {
            diagnostics.Add(ManifestDiagnostics.OverridePathInvalid, FileLocation, item.Text, problem);
            return root;
        }

        return updated;
    }

    private ManifestNode Set(
        ManifestNode? current,
        string[] keys,
        int index,
        ManifestNode value,
        string path,
        ManifestOverride item,
        out string? problem)
    {
        problem = null;
        if (index == keys.Length)
        {
            return value;
        }

        var key = keys[index];
        var isIndex = key == Append || key.All(char.IsAsciiDigit);
        var where = path.Length == 0 ? "the manifest" : $"'{path}'";
        current ??= isIndex
            ? new ManifestSequence([], path, FileLocation) { Override = item.Text }
            : new ManifestMapping([], path, FileLocation) { Override = item.Text };

        switch (current)
        {
            case ManifestMapping mapping when !isIndex:
                var childPath = ManifestPath.Child(path, key);
                var existing = mapping.Find(key);
                var child = Set(
                    existing?.Value is ManifestScalar { IsNull: true } ? null : existing?.Value,
                    keys,
                    index + 1,
                    value,
                    childPath,
                    item,
                    out problem);
                var entry = new ManifestEntry(
                    existing?.Key ?? new ManifestScalar(key, false, childPath, FileLocation) { Override = item.Text },
                    child);
                return mapping with
                {
                    Entries = existing is null
                        ? [.. mapping.Entries, entry]
                        : [.. mapping.Entries.Select(e => ReferenceEquals(e, existing) ? entry : e)],
                };

            case ManifestMapping:
                problem = $"{where} is a mapping, so '{key}' must be a key name, not an index.";
                return current;

            case ManifestSequence sequence when isIndex:
                var position = key == Append
                    ? sequence.Items.Count
                    : int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : int.MaxValue;
                if (position > sequence.Items.Count)
                {
                    problem = $"index {key} is past the end of {where}, which has {sequence.Items.Count} item(s); use " +
                        $"{sequence.Items.Count} or '+' to append.";
                    return current;
                }

                var itemPath = ManifestPath.Item(path, position);
                var itemValue = position < sequence.Items.Count ? sequence.Items[position] : null;
                var newItem = Set(
                    itemValue is ManifestScalar { IsNull: true } ? null : itemValue,
                    keys,
                    index + 1,
                    value,
                    itemPath,
                    item,
                    out problem);
                return sequence with
                {
                    Items = position == sequence.Items.Count
                        ? [.. sequence.Items, newItem]
                        : [.. sequence.Items.Select((n, i) => i == position ? newItem : n)],
                };

            case ManifestSequence:
                problem = $"{where} is a list, so '{key}' must be an index or '+'.";
                return current;

            default:
                problem = $"{where} is the value {current.Describe()}, which has no '{key}'.";
                return current;
        }
    }
}
