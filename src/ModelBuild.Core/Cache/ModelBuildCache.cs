using ModelBuild.Core.Cache.Remote;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Passes;

namespace ModelBuild.Core.Cache;

/// <summary>
/// The model cache: a content store, an action cache and locks under one root folder, shared by
/// every build and every <c>modelbuild</c> run of the user, kept within a size budget; and, when
/// configured, the remote tier behind it. Dispose to close the remote tier's connections.
/// </summary>
public sealed class ModelBuildCache : IDisposable
{
    /// <summary>The environment variable that moves the cache.</summary>
    public const string RootEnvironmentVariable = "MODELBUILD_CACHE";

    /// <summary>Files in <c>tmp/</c> untouched for this long belong to a run that died; start-up removes them.</summary>
    public static readonly TimeSpan StaleTempAge = TimeSpan.FromHours(1);

    /// <summary>How long an interrupted download in <c>tmp/partial/</c> waits to be resumed by a later run.</summary>
    public static readonly TimeSpan StalePartialDownloadAge = TimeSpan.FromDays(7);

    /// <summary>The folder under <c>tmp/</c> where downloads keep their partial files between runs.</summary>
    public const string PartialDownloadsFolder = "partial";

    /// <summary>The folder under the root that holds unpacked calibration archives, one folder per archive's SHA-256; <c>cache
    /// clear</c> empties it.</summary>
    public const string UnpackedFolder = "unpacked";

    /// <summary>Automatic eviction leaves blobs used this recently alone: another build may be about to read them.</summary>
    public static readonly TimeSpan EvictionGracePeriod = TimeSpan.FromHours(1);

    private ModelBuildCache(CacheLayout layout, Action<Diagnostic>? report, long maxSize)
    {
        Layout = layout;
        Content = new ContentStore(layout, report);
        Actions = new ActionCache(layout, Content);
        MaxSize = maxSize;
    }

    /// <summary>The absolute root folder.</summary>
    public string Root => Layout.Root;

    /// <summary>Blobs by digest.</summary>
    public ContentStore Content { get; }

    /// <summary>Action results by key.</summary>
    public ActionCache Actions { get; }

    /// <summary>The size budget of the blobs, in bytes (<c>ModelBuildCacheMaxSize</c>).</summary>
    public long MaxSize { get; }

    /// <summary>The remote tier (<c>ModelBuildRemoteCache</c>), or null when there is none.</summary>
    public RemoteCache? Remote { get; private set; }

    internal CacheLayout Layout { get; }

    /// <summary>Entries, sizes and last uses, for <c>modelbuild cache stats</c> and <c>ls</c>.</summary>
    public CacheInventory Inventory => new(this);

    /// <summary>
    /// Opens (creating if needed) the cache at <see cref="ResolveRoot"/>(<paramref name="root"/>) and
    /// removes stale temporary files. <paramref name="report"/> hears warnings such as a corrupt blob
    /// moved to quarantine; it may be called from any thread.
    /// </summary>
    /// <exception cref="DiagnosticException">The folder cannot be created or written.</exception>
    public static ModelBuildCache Open(string? root = null, Action<Diagnostic>? report = null) =>
        Open(new CacheOptions { Root = root }, report);

    /// <summary>
    /// Opens the local cache as <see cref="Open(string?, Action{Diagnostic}?)"/> does, with the size
    /// budget and the remote tier of <paramref name="options"/>. An unusable remote address is warning
    /// MB3011 and no remote tier, never an error.
    /// </summary>
    /// <exception cref="DiagnosticException">The folder cannot be created or written.</exception>
    public static ModelBuildCache Open(CacheOptions options, Action<Diagnostic>? report = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var layout = new CacheLayout(ResolveRoot(options.Root));
        try
        {
            layout.CreateDirectories();
            RemoveStaleTemporaryFiles(layout.TempDirectory, DateTime.UtcNow - StaleTempAge);
            ScratchDirectory.UseRoot(layout.TempDirectory);
            var cache = new ModelBuildCache(layout, report, options.MaxSize);
            cache.Content.WriteEmptyBlob();
            if (options.RemoteCache is { } remote)
            {
                cache.Remote = RemoteCache.Create(remote, options.RemoteCacheReadOnly, options.RemoteTimeout, report);
            }

            return cache;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiagnosticException(CacheDiagnostics.CacheNotUsable.Create(null, layout.Root, e.Message), e);
        }
    }

    /// <summary>
    /// The cache root: <paramref name="explicitRoot"/> (MSBuild's <c>ModelBuildCacheDir</c>, a
    /// command-line option) if given, else <c>MODELBUILD_CACHE</c>, else <c>~/.modelbuild/cache</c>
    /// (<c>%LOCALAPPDATA%\ModelBuild\cache</c> on Windows).
    /// </summary>
    public static string ResolveRoot(string? explicitRoot = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitRoot))
        {
            return Path.GetFullPath(explicitRoot);
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(RootEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        return OperatingSystem.IsWindows()
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "ModelBuild", "cache")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".modelbuild", "cache");
    }

    /// <summary>
    /// Takes the cross-process lock for <paramref name="key"/> (letters, digits, '.', '_', '-'), waiting
    /// at most <paramref name="timeout"/>; <paramref name="onWaiting"/> hears who holds it.
    /// </summary>
    /// <exception cref="DiagnosticException">The lock was not released in time.</exception>
    /// <param name="key">The lock's name.</param>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="onWaiting">Hears who holds the lock.</param>
    /// <param name="description">What the lock guards, for the time-out error ("textcls: prepare"); the key when null.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<CacheLock> AcquireLockAsync(
        string key,
        TimeSpan timeout,
        Action<string>? onWaiting = null,
        string? description = null,
        CancellationToken cancellationToken = default) =>
        CacheLock.AcquireAsync(Layout.LocksDirectory, key, timeout, onWaiting, cancellationToken, description);

    /// <summary>
    /// Removes least recently used blobs until the cache fits <see cref="MaxSize"/>, leaving alone what
    /// this process used and what any build used within <see cref="EvictionGracePeriod"/>; then the
    /// action records that name a removed blob. Cheap when nothing was stored: the engine calls it
    /// after every run.
    /// </summary>
    public PruneResult EnforceSizeBudget()
    {
        if (Content.Commits == 0)
        {
            return PruneResult.Nothing;
        }

        return new CacheEviction(this).Prune(MaxSize, olderThan: null, Content.TouchedByThisProcess.ToHashSet(), EvictionGracePeriod);
    }

    /// <summary>
    /// <c>modelbuild cache prune</c>: removes blobs not used for <paramref name="olderThan"/>, then least
    /// recently used ones until the blobs fit <paramref name="maxSize"/>, then the action records that
    /// name a removed blob or were not used for <paramref name="olderThan"/>.
    /// </summary>
    public PruneResult Prune(long? maxSize, TimeSpan? olderThan) =>
        new CacheEviction(this).Prune(maxSize, olderThan, new HashSet<Sha256Digest>(), grace: TimeSpan.Zero);

    /// <summary><c>modelbuild cache verify</c>: re-hashes every blob and reads every record; corrupt ones go to quarantine.</summary>
    public VerificationResult Verify() => new CacheVerification(this).Run();

    /// <summary>
    /// <c>modelbuild cache clear</c>: removes every blob, record, stamp, quarantined entry and unpacked archive. Locks and
    /// the writes in flight of running processes stay.
    /// </summary>
    public void Clear()
    {
        string[] folders =
        [
            Layout.ContentDirectory, Layout.ActionDirectory, Layout.StampDirectory, Layout.QuarantineDirectory,
            Path.Combine(Layout.Root, UnpackedFolder),
        ];
        foreach (var folder in folders)
        {
            var directory = new DirectoryInfo(folder);
            if (!directory.Exists)
            {
                continue;
            }

            foreach (var entry in directory.EnumerateFileSystemInfos())
            {
                try
                {
                    if (entry is DirectoryInfo child)
                    {
                        child.Delete(recursive: true);
                    }
                    else
                    {
                        entry.Delete();
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Held open elsewhere (Windows); it goes with the next clear or prune.
                }
            }
        }

        RemoveStaleTemporaryFiles(Layout.TempDirectory, DateTime.UtcNow - StaleTempAge);
        Content.WriteEmptyBlob();
    }

    public void Dispose() => Remote?.Dispose();

    private static void RemoveStaleTemporaryFiles(string tempDirectory, DateTime cutoffUtc)
    {
        var partial = new DirectoryInfo(Path.Combine(tempDirectory, PartialDownloadsFolder));
        if (partial.Exists)
        {
            // Partial downloads are meant to outlive a run (resume across runs); they get days, not an hour.
            TemporaryFileSweep.RemoveAbandoned(partial.EnumerateFileSystemInfos(), DateTime.UtcNow - StalePartialDownloadAge);
        }

        TemporaryFileSweep.RemoveAbandoned(
            new DirectoryInfo(tempDirectory).EnumerateFileSystemInfos().Where(e => e.Name != PartialDownloadsFolder),
            cutoffUtc);
    }
}
