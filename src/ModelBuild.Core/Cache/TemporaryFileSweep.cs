namespace ModelBuild.Core.Cache;

/// <summary>
/// Removes what runs that died left in a temporary folder (the cache's <c>tmp/</c>, the scratch folder):
/// entries named by a writer (<see cref="TempFileOwner"/>) that no longer runs go at once, any other
/// entry once nobody has touched it since the cutoff.
/// </summary>
internal static class TemporaryFileSweep
{
    public static void RemoveAbandoned(string folder, DateTime cutoffUtc)
    {
        var directory = new DirectoryInfo(folder);
        if (directory.Exists)
        {
            RemoveAbandoned(directory.EnumerateFileSystemInfos(), cutoffUtc);
        }
    }

    public static void RemoveAbandoned(IEnumerable<FileSystemInfo> entries, DateTime cutoffUtc)
    {
        foreach (var entry in entries)
        {
            try
            {
                // A crashed writer's leftovers go at once; anything else once nobody has touched it for a while.
                if (entry.LastWriteTimeUtc >= cutoffUtc && TempFileOwner.TryParse(entry.Name)?.IsDeadOnThisMachine() != true)
                {
                    continue;
                }

                if (entry is DirectoryInfo directory)
                {
                    directory.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Still open somewhere (Windows); the next start-up tries again.
            }
        }
    }
}
