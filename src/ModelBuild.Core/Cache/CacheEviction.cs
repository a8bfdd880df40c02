namespace ModelBuild.Core.Cache;

/// <summary>What a prune removed.</summary>
public sealed record PruneResult(int BlobsRemoved, long BytesRemoved, int ActionsRemoved, long BytesLeft)
{
    /// <summary>Nothing was looked at or removed.</summary>
    public static PruneResult Nothing { get; } = new(0, 0, 0, -1);
}

/// <summary>
/// Least-recently-used eviction: blobs by their recorded last use, oldest first, then the action
/// records that can no longer be served. Records are removed after blobs, so a record is never
/// trusted with a blob gone (and <see cref="ActionCache.TryGet"/> checks that anyway).
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
        var total = blobs.Sum(b => b.Size);
        if ((maxSize is null || total <= maxSize) && olderThan is null)
        {
            return new PruneResult(0, 0, 0, total);
        }

        var removable = blobs
            .Where(b => b.Digest != Sha256Digest.Empty && !keep.Contains(b.Digest) && now - b.LastUsedUtc >= grace)
            .OrderBy(b => b.LastUsedUtc)
            .ThenBy(b => b.Digest.Hex, StringComparer.Ordinal);
        int removed = 0;
        long bytesRemoved = 0;
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
                total -= blob.Size;
            }
        }

        var actionsRemoved = removed > 0 || olderThan is not null ? RemoveUnservableActions(olderThan, now) : 0;
        return new PruneResult(removed, bytesRemoved, actionsRemoved, total);
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
