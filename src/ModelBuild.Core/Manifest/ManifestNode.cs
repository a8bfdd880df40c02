using System.Globalization;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// One node of a manifest's YAML tree, with the dotted key path that names it in messages
/// (<c>inputs.0.shape</c>, the form overrides use) and where it was written.
/// </summary>
public abstract record ManifestNode(string Path, SourceLocation Location)
{
    /// <summary>The override (<c>key=value</c>) this node came from; null when it was written in the file.</summary>
    public string? Override { get; init; }

    /// <summary>A short description of the node for messages: <c>'abc'</c>, <c>a list</c>, <c>a mapping</c>, <c>nothing</c>.</summary>
    public abstract string Describe();

    /// <summary>Either empty or <c> (from override 'k=v')</c>, appended to messages about this node.</summary>
    public string OriginSuffix => Override is null ? string.Empty : $" (from override '{Override}')";
}

/// <summary>A scalar as written; its type (number, boolean, null, text) is decided by the key that reads it.</summary>
public sealed record ManifestScalar(string Text, bool IsQuoted, string Path, SourceLocation Location) : ManifestNode(Path, Location)
{
    /// <summary>A plain <c>~</c>, <c>null</c> or nothing at all; quoted text is never null.</summary>
    public bool IsNull => !IsQuoted && Text is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe() => IsNull ? "nothing (null)" : $"'{Text}'";
}

/// <summary>A YAML sequence.</summary>
public sealed record ManifestSequence(
    IReadOnlyList<ManifestNode> Items,
    string Path,
    SourceLocation Location) : ManifestNode(Path, Location)
{
    public override string Describe() => Items.Count == 0 ? "an empty list" : "a list";
}

/// <summary>A YAML mapping whose keys are text, in the order they were written; duplicate keys are already reported and dropped.</summary>
public sealed record ManifestMapping(
    IReadOnlyList<ManifestEntry> Entries,
    string Path,
    SourceLocation Location) : ManifestNode(Path, Location)
{
    public override string Describe() => Entries.Count == 0 ? "an empty mapping" : "a mapping";

    /// <summary>The entry with this key, or null.</summary>
    public ManifestEntry? Find(string key)
    {
        foreach (var entry in Entries)
        {
            if (string.Equals(entry.Key.Text, key, StringComparison.Ordinal))
            {
                return entry;
            }
        }

        return null;
    }
}

/// <summary>One key and its value.</summary>
public sealed record ManifestEntry(ManifestScalar Key, ManifestNode Value);

/// <summary>Builds the dotted key paths of nodes (<c>inputs.0.shape</c>).</summary>
internal static class ManifestPath
{
    public static string Child(string parentPath, string key) =>
        parentPath.Length == 0 ? key : $"{parentPath}.{key}";

    public static string Item(string parentPath, int index) =>
        Child(parentPath, index.ToString(CultureInfo.InvariantCulture));

    /// <summary>Names a node's place for messages: <c>the manifest</c> for the root, else its quoted path.</summary>
    public static string Where(ManifestNode node) => node.Path.Length == 0 ? "the manifest" : $"'{node.Path}'";
}
