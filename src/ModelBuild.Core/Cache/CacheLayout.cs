using System.Globalization;

namespace ModelBuild.Core.Cache;

/// <summary>
/// Where things live under a cache root: <c>cas/sha256/ab/&lt;hex&gt;</c> blobs,
/// <c>ac/ab/&lt;hex&gt;.json</c> action records, <c>stamps/ab/&lt;hex&gt;</c> what each blob looked like
/// when it was last verified and when it was last used, <c>tmp/</c> writes in flight,
/// <c>quarantine/</c> corrupt entries kept for inspection, <c>locks/</c> lock files.
/// </summary>
internal sealed class CacheLayout
{
    public CacheLayout(string root)
    {
        Root = Path.GetFullPath(root);
        ContentDirectory = Path.Combine(Root, "cas", "sha256");
        ActionDirectory = Path.Combine(Root, "ac");
        StampDirectory = Path.Combine(Root, "stamps");
        TempDirectory = Path.Combine(Root, "tmp");
        QuarantineDirectory = Path.Combine(Root, "quarantine");
        LocksDirectory = Path.Combine(Root, "locks");
    }

    public string Root { get; }

    public string ContentDirectory { get; }

    public string ActionDirectory { get; }

    public string StampDirectory { get; }

    public string TempDirectory { get; }

    public string QuarantineDirectory { get; }

    public string LocksDirectory { get; }

    // Two-character fan-out keeps directories small, as Bazel, ccache and the OMZ downloader do.
    public string BlobPath(Sha256Digest digest) => Path.Combine(ContentDirectory, digest.Hex[..2], digest.Hex);

    public string StampPath(Sha256Digest digest) => Path.Combine(StampDirectory, digest.Hex[..2], digest.Hex);

    public string ActionRecordPath(ActionKey key) => Path.Combine(ActionDirectory, key.Hex[..2], key.Hex + ".json");

    /// <summary>
    /// A fresh path in <c>tmp/</c> for a write in flight. The name carries the writer's process id and
    /// machine (see <see cref="TempFileOwner"/>), so start-up can remove a dead process's leftovers at once.
    /// </summary>
    public string NewTempPath(string suffix) => Path.Combine(TempDirectory, TempFileOwner.Current.NewName(suffix));

    /// <summary>A fresh path in <c>quarantine/</c> for a corrupt entry named <paramref name="name"/>.</summary>
    public string NewQuarantinePath(string name) =>
        Path.Combine(
            QuarantineDirectory,
            string.Create(CultureInfo.InvariantCulture, $"{name}.{DateTime.UtcNow:yyyyMMddTHHmmss}.{Guid.NewGuid().ToString("N")[..8]}"));

    public void CreateDirectories()
    {
        Directory.CreateDirectory(ContentDirectory);
        Directory.CreateDirectory(ActionDirectory);
        Directory.CreateDirectory(StampDirectory);
        Directory.CreateDirectory(TempDirectory);
        Directory.CreateDirectory(QuarantineDirectory);
        Directory.CreateDirectory(LocksDirectory);
    }
}
