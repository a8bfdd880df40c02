using System.Collections.Immutable;

namespace ModelBuild.Core.Cache;

/// <summary>
/// The result of one action: its named output blobs and a few small metadata strings (tool
/// versions, notes for <c>buildinfo</c>). Names are kept in ordinal order so a record always
/// serializes to the same bytes.
/// </summary>
public sealed record ActionRecord
{
    /// <exception cref="ArgumentException">An output or metadata name appears twice.</exception>
    public ActionRecord(
        string actionName,
        IEnumerable<KeyValuePair<string, StoredBlob>> outputs,
        IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(actionName);
        ArgumentNullException.ThrowIfNull(outputs);
        ActionName = actionName;
        Outputs = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, outputs);
        Metadata = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, metadata ?? []);
    }

    /// <summary>The action that produced the outputs.</summary>
    public string ActionName { get; }

    /// <summary>Output name → blob.</summary>
    public ImmutableSortedDictionary<string, StoredBlob> Outputs { get; }

    /// <summary>Small strings about the run; never large data (that belongs in a blob).</summary>
    public ImmutableSortedDictionary<string, string> Metadata { get; }

    public bool Equals(ActionRecord? other) =>
        other is not null
        && ActionName == other.ActionName
        && Outputs.SequenceEqual(other.Outputs)
        && Metadata.SequenceEqual(other.Metadata);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(ActionName, StringComparer.Ordinal);
        foreach (var (name, blob) in Outputs)
        {
            hash.Add(name, StringComparer.Ordinal);
            hash.Add(blob);
        }

        return hash.ToHashCode();
    }
}
