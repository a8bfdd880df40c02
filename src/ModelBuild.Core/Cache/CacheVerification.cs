namespace ModelBuild.Core.Cache;

/// <summary>What <c>modelbuild cache verify</c> found.</summary>
/// <param name="BlobsChecked">Blobs re-hashed.</param>
/// <param name="CorruptBlobs">Blobs whose bytes did not match their name; moved to quarantine.</param>
/// <param name="ActionsChecked">Action records read.</param>
/// <param name="CorruptActions">Records that could not be read; moved to quarantine.</param>
/// <param name="DanglingActions">Records naming a blob that is gone; removed (they could never be served).</param>
public sealed record VerificationResult(int BlobsChecked, int CorruptBlobs, int ActionsChecked, int CorruptActions, int DanglingActions)
{
    /// <summary>True when nothing corrupt was found (dangling records are a normal result of eviction).</summary>
    public bool Clean => CorruptBlobs == 0 && CorruptActions == 0;
}

/// <summary>
/// Re-hashes every blob (ignoring stamps) and reads every action record. Corrupt entries go to
/// quarantine with warning MB3002 (blobs) as a read would put them; files in <c>cas/</c> whose name is
/// not a digest are corrupt too.
/// </summary>
internal sealed class CacheVerification(ModelBuildCache cache)
{
    public VerificationResult Run()
    {
        int blobs = 0, corruptBlobs = 0;
        foreach (var file in cache.Inventory.BlobFiles().ToList())
        {
            blobs++;
            if (!Sha256Digest.TryParse(file.Name, out var digest) || file.Directory?.Name != digest.Hex[..2])
            {
                MoveToQuarantine(file);
                corruptBlobs++;
                continue;
            }

            if (cache.Content.VerifyNow(digest) == BlobVerification.Corrupt)
            {
                corruptBlobs++;
            }
        }

        int actions = 0, corruptActions = 0, dangling = 0;
        foreach (var (key, file) in cache.Actions.EnumerateFiles().ToList())
        {
            actions++;
            ActionRecord? record;
            try
            {
                record = ActionCache.Deserialize(File.ReadAllBytes(file.FullName), key, out var corrupt);
                if (record is null && corrupt)
                {
                    MoveToQuarantine(file);
                    corruptActions++;
                    continue;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // Replaced or removed by another process meanwhile.
            }

            if (record is not null && !record.Outputs.Values.All(b => File.Exists(cache.Layout.BlobPath(b.Digest)))
                && cache.Actions.Remove(key))
            {
                dangling++;
            }
        }

        return new VerificationResult(blobs, corruptBlobs, actions, corruptActions, dangling);
    }

    private void MoveToQuarantine(FileInfo file)
    {
        try
        {
            Directory.CreateDirectory(cache.Layout.QuarantineDirectory);
            file.MoveTo(cache.Layout.NewQuarantinePath(file.Name));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Moved or removed by another process meanwhile.
        }
    }
}
