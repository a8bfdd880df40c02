using System.Globalization;

namespace ModelBuild.Core.Cache;

/// <summary>
/// What a blob's file looked like (size, last write time) when its bytes were last hashed, and when a
/// build last used it. A matching stamp lets a process skip re-hashing a blob that another process
/// verified recently; the last use orders eviction.
/// </summary>
internal readonly record struct BlobStamp(long Size, long LastWriteUtcTicks, DateTime VerifiedUtc, DateTime LastUsedUtc)
{
    /// <summary>True when a file of <paramref name="size"/> bytes written at <paramref name="lastWriteUtc"/> is what this stamp
    /// recorded.</summary>
    public bool Matches(long size, DateTime lastWriteUtc) => Size == size && LastWriteUtcTicks == lastWriteUtc.Ticks;
}

/// <summary>
/// The stamps of the content store, one small file per blob under <c>stamps/</c>. Stamps are hints:
/// a missing, unreadable or stale stamp only means the blob is hashed again.
/// </summary>
internal sealed class BlobStamps(CacheLayout layout)
{
    private const string FormatTag = "v1";

    public BlobStamp? TryRead(Sha256Digest digest)
    {
        string text;
        try
        {
            text = File.ReadAllText(layout.StampPath(digest));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 5 || parts[0] != FormatTag
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var written)
            || !TryParseTicks(parts[3], out var verified)
            || !TryParseTicks(parts[4], out var used))
        {
            return null;
        }

        return new BlobStamp(size, written, verified, used);
    }

    /// <summary>Replaces the stamp atomically; a stamp that cannot be written is simply not there next time.</summary>
    public void Write(Sha256Digest digest, BlobStamp stamp)
    {
        var path = layout.StampPath(digest);
        var temp = layout.NewTempPath(".stamp");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(temp, string.Create(
                CultureInfo.InvariantCulture,
                $"{FormatTag} {stamp.Size} {stamp.LastWriteUtcTicks} {stamp.VerifiedUtc.Ticks} {stamp.LastUsedUtc.Ticks}\n"));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
        }
    }

    public void Delete(Sha256Digest digest) => TryDelete(layout.StampPath(digest));

    private static bool TryParseTicks(string text, out DateTime utc)
    {
        utc = default;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        utc = new DateTime(ticks, DateTimeKind.Utc);
        return true;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A hint only; the next writer replaces it.
        }
    }
}
