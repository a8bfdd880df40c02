namespace ModelBuild.Core.Cache;

/// <summary>What a prune removed.</summary>
public sealed record PruneResult(int BlobsRemoved, long BytesRemoved, int ActionsRemoved, long BytesLeft)
{
    /// <summary>Unpacked archives removed, with their archive blob or because it was gone (their bytes are in
    /// <see cref="BytesRemoved"/>).</summary>
    public int UnpackedRemoved { get; init; }

    /// <summary>Nothing was looked at or removed.</summary>
    public static PruneResult Nothing { get; } = new(0, 0, 0, -1);
}

/// <summary>
/// Least-recently-used eviction: blobs by their recorded last use, oldest first, then the action
/// records that can no longer be served. Records are removed after blobs, so a record is never
/// trusted with a blob gone (and <see cref="ActionCache.TryGet"/> checks that anyway). An archive unpacked under
/// <c>unpacked/</c> counts with its archive's blob (it is used whenever the blob is fetched) and goes with it; one whose blob
/// is gone is removed first.
/// </summary>
internal sealed class CacheEviction(ModelBuildCache cache)
{
    /// <param name="maxSize">Remove blobs until this many bytes are left; null for no size limit.</param>
    /// <param name="olderThan">Remove blobs and records not used for this long; null for no age limit.</param>
    /// <param name="keep">Blobs never to remove (in use by this process).</param>
    /// <param name="grace">Blobs used this recently are never removed.</param>
    public PruneResult Prune(long? maxSize, TimeSpan? olderThan, IReadOnlySet<Sha256Digest> keep, TimeSpan grace)
    {
        var now = DateTime.UtcNow;
        var blobs = cache.Inventory.Blobs().ToList();
        var present = blobs.Select(b => b.Digest).ToHashSet();
        var unpacked = new Dictionary<Sha256Digest, UnpackedArchive>();
        int unpackedRemoved = 0;
        long bytesRemoved = 0;
        foreach (var archive in cache.Inventory.UnpackedArchives())
        {
            if (present.Contains(archive.Archive))
            {
                unpacked[archive.Archive] = archive;
            }
            else if (RemoveUnpacked(archive))
            {
                unpackedRemoved++;
                bytesRemoved += archive.Bytes;
            }
        }

        long SizeOf(CachedBlob blob) => blob.Size + (unpacked.TryGetValue(blob.Digest, out var folder) ? folder.Bytes : 0);
        var total = blobs.Sum(SizeOf);
        if ((maxSize is null || total <= maxSize) && olderThan is null)
        {
            return new PruneResult(0, bytesRemoved, 0, total) { UnpackedRemoved = unpackedRemoved };
        }

        var removable = blobs
            .Where(b => b.Digest != Sha256Digest.Empty && !keep.Contains(b.Digest) && now - b.LastUsedUtc >= grace)
            .OrderBy(b => b.LastUsedUtc)
            .ThenBy(b => b.Digest.Hex, StringComparer.Ordinal);
        int removed = 0;
        foreach (var blob in removable)
        {
            var tooOld = olderThan is { } age && now - blob.LastUsedUtc >= age;
            var overBudget = maxSize is { } budget && total > budget;
            if (!tooOld && !overBudget)
            {
                // Ordered by last use: once one blob is young enough and the budget is met, so are the rest.
                if (olderThan is null)
                {
                    break;
                }

                continue;
            }

            if (cache.Content.Remove(blob.Digest))
            {
                removed++;
                bytesRemoved += blob.Size;
                total -= SizeOf(blob);
                if (unpacked.TryGetValue(blob.Digest, out var folder) && RemoveUnpacked(folder))
                {
                    unpackedRemoved++;
                    bytesRemoved += folder.Bytes;
                }
            }
        }

        var actionsRemoved = removed > 0 || olderThan is not null ? RemoveUnservableActions(olderThan, now) : 0;
        return new PruneResult(removed, bytesRemoved, actionsRemoved, total) { UnpackedRemoved = unpackedRemoved };
    }

    // Renamed out of the way first: a reader takes an unpacked/<sha256> folder that exists as complete.
    private static bool RemoveUnpacked(UnpackedArchive archive)
    {
        var parent = Path.GetDirectoryName(archive.Folder)!;
        var doomed = Path.Combine(parent, "." + Path.GetFileName(archive.Folder)[..16] + "-removed-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.Move(archive.Folder, doomed);
            Directory.Delete(doomed, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private int RemoveUnservableActions(TimeSpan? olderThan, DateTime now)
    {
        var removed = 0;
        foreach (var (key, file) in cache.Actions.EnumerateFiles().ToList())
        {
            var tooOld = olderThan is { } age && now - file.LastWriteTimeUtc >= age;
            var record = tooOld ? null : cache.Actions.TryReadUnchecked(key);

            // A file test, not a verification: a blob that is there but corrupt is caught when it is read.
            var servable = record is not null && record.Outputs.Values.All(b => File.Exists(cache.Layout.BlobPath(b.Digest)));
            if (!servable && cache.Actions.Remove(key))
            {
                removed++;
            }
        }

        return removed;
    }
}
