namespace ModelBuild.Core.Cache;

/// <summary>A blob in the store: its digest, size and last use (its stamp's, else its file's time).</summary>
public sealed record CachedBlob(Sha256Digest Digest, long Size, DateTime LastUsedUtc);

/// <summary>An action record: its key, the action, the total size of its outputs, and its last use.</summary>
public sealed record CachedAction(ActionKey Key, string ActionName, int OutputCount, long OutputBytes, DateTime LastUsedUtc);

/// <summary>An archive unpacked under <c>unpacked/</c>: the archive blob's digest, the folder, and the bytes of its files.</summary>
public sealed record UnpackedArchive(Sha256Digest Archive, string Folder, long Bytes);

/// <summary>What <c>modelbuild cache stats</c> prints.</summary>
/// <param name="Root">The cache folder.</param>
/// <param name="BlobCount">Blobs in <c>cas/</c>.</param>
/// <param name="BlobBytes">Their total size: what the budget counts.</param>
/// <param name="ActionCount">Action records in <c>ac/</c>.</param>
/// <param name="QuarantineCount">Corrupt entries kept in <c>quarantine/</c>.</param>
/// <param name="QuarantineBytes">Their total size.</param>
/// <param name="TemporaryCount">Files in <c>tmp/</c>: writes in flight, or a crash's leftovers.</param>
/// <param name="MaxSize">The size budget.</param>
public sealed record CacheStatistics(
    string Root,
    int BlobCount,
    long BlobBytes,
    int ActionCount,
    int QuarantineCount,
    long QuarantineBytes,
    int TemporaryCount,
    long MaxSize)
{
    /// <summary>Archives unpacked in <c>unpacked/</c> (calibration and evaluation sets).</summary>
    public int UnpackedCount { get; init; }

    /// <summary>Their total size, which the budget counts with the blobs'.</summary>
    public long UnpackedBytes { get; init; }
}

/// <summary>
/// Reads what the cache holds without verifying or changing anything. Statistics only list
/// directories (fast at tens of thousands of entries); <see cref="Blobs"/> also reads stamps and
/// <see cref="Actions"/> reads records.
/// </summary>
public sealed class CacheInventory
{
    private readonly ModelBuildCache _cache;

    internal CacheInventory(ModelBuildCache cache) => _cache = cache;

    /// <summary>Counts and sizes.</summary>
    public CacheStatistics Statistics()
    {
        var layout = _cache.Layout;
        int blobs = 0;
        long blobBytes = 0;
        foreach (var file in BlobFiles())
        {
            blobs++;
            blobBytes += file.Length;
        }

        var (quarantined, quarantineBytes) = CountFiles(layout.QuarantineDirectory);
        var (temporary, _) = CountFiles(layout.TempDirectory);
        var actions = _cache.Actions.EnumerateFiles().Count();
        var unpacked = UnpackedArchives().ToList();
        return new CacheStatistics(layout.Root, blobs, blobBytes, actions, quarantined, quarantineBytes, temporary, _cache.MaxSize)
        {
            UnpackedCount = unpacked.Count,
            UnpackedBytes = unpacked.Sum(u => u.Bytes),
        };
    }

    /// <summary>Every blob with its size and last use.</summary>
    public IEnumerable<CachedBlob> Blobs()
    {
        foreach (var file in BlobFiles())
        {
            if (Sha256Digest.TryParse(file.Name, out var digest))
            {
                var lastUsed = _cache.Content.Stamps.TryRead(digest)?.LastUsedUtc ?? file.LastWriteTimeUtc;
                yield return new CachedBlob(digest, file.Length, lastUsed);
            }
        }
    }

    /// <summary>Every readable action record with the size of its outputs and its last use.</summary>
    public IEnumerable<CachedAction> Actions()
    {
        foreach (var (key, file) in _cache.Actions.EnumerateFiles())
        {
            if (_cache.Actions.TryReadUnchecked(key) is { } record)
            {
                yield return new CachedAction(
                    key,
                    record.ActionName,
                    record.Outputs.Count,
                    record.Outputs.Values.Sum(b => b.Size),
                    file.LastWriteTimeUtc);
            }
        }
    }

    /// <summary>Every complete unpacked archive (folders being unpacked or removed start with '.' and are left out).</summary>
    public IEnumerable<UnpackedArchive> UnpackedArchives()
    {
        var root = new DirectoryInfo(Path.Combine(_cache.Layout.Root, ModelBuildCache.UnpackedFolder));
        if (!root.Exists)
        {
            yield break;
        }

        foreach (var folder in root.EnumerateDirectories())
        {
            if (Sha256Digest.TryParse(folder.Name, out var digest))
            {
                yield return new UnpackedArchive(digest, folder.FullName, CountFiles(folder.FullName).Bytes);
            }
        }
    }

    internal IEnumerable<FileInfo> BlobFiles()
    {
        var root = new DirectoryInfo(_cache.Layout.ContentDirectory);
        return root.Exists ? root.EnumerateFiles("*", SearchOption.AllDirectories) : [];
    }

    private static (int Count, long Bytes) CountFiles(string folder)
    {
        var directory = new DirectoryInfo(folder);
        if (!directory.Exists)
        {
            return (0, 0);
        }

        int count = 0;
        long bytes = 0;
        foreach (var file in directory.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            count++;
            bytes += file.Length;
        }

        return (count, bytes);
    }
}
