using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>
/// Every file under a folder, by path relative to it, with its SHA-256: taken before and after a run to
/// show exactly what the run added, removed or rewrote (nothing, when it failed).
/// </summary>
internal sealed class FolderSnapshot
{
    private readonly SortedDictionary<string, string> _files;

    private FolderSnapshot(string folder, SortedDictionary<string, string> files)
    {
        Folder = folder;
        _files = files;
    }

    public string Folder { get; }

    /// <summary>The relative paths, '/'-separated, sorted.</summary>
    public IReadOnlyCollection<string> Paths => _files.Keys;

    /// <summary>The folder's files now; a folder that does not exist has none.</summary>
    public static FolderSnapshot Of(string folder)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                files[Path.GetRelativePath(folder, file).Replace('\\', '/')] = Sha256Digest.ComputeFile(file).Hex;
            }
        }

        return new FolderSnapshot(folder, files);
    }

    /// <summary>What changed since <paramref name="before"/>: "+ path" added, "- path" removed, "~ path" rewritten with other
    /// bytes.</summary>
    public IReadOnlyList<string> ChangesSince(FolderSnapshot before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var changes = new List<string>();
        foreach (var (path, hash) in _files)
        {
            if (!before._files.TryGetValue(path, out var old))
            {
                changes.Add("+ " + path);
            }
            else if (old != hash)
            {
                changes.Add("~ " + path);
            }
        }

        changes.AddRange(before._files.Keys.Where(p => !_files.ContainsKey(p)).Select(p => "- " + p));
        return changes;
    }

    /// <summary>Fails, listing the differences, unless the folder holds exactly what <paramref name="before"/> saw.</summary>
    public void AssertUnchangedSince(FolderSnapshot before)
    {
        var changes = ChangesSince(before);
        Assert.True(changes.Count == 0, $"{Folder} changed:\n" + string.Join("\n", changes));
    }
}
