using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Cache;

/// <summary>
/// The local model cache: a content store, an action cache and locks under one root folder,
/// shared by every build and every <c>modelbuild</c> run of the user.
/// </summary>
public sealed class ModelBuildCache
{
    /// <summary>The environment variable that moves the cache.</summary>
    public const string RootEnvironmentVariable = "MODELBUILD_CACHE";

    /// <summary>Files in <c>tmp/</c> untouched for this long belong to a run that died; start-up removes them.</summary>
    public static readonly TimeSpan StaleTempAge = TimeSpan.FromHours(1);

    private ModelBuildCache(CacheLayout layout, Action<Diagnostic>? report)
    {
        Layout = layout;
        Content = new ContentStore(layout, report);
        Actions = new ActionCache(layout, Content);
    }

    /// <summary>The absolute root folder.</summary>
    public string Root => Layout.Root;

    /// <summary>Blobs by digest.</summary>
    public ContentStore Content { get; }

    /// <summary>Action results by key.</summary>
    public ActionCache Actions { get; }

    internal CacheLayout Layout { get; }

    /// <summary>
    /// Opens (creating if needed) the cache at <see cref="ResolveRoot"/>(<paramref name="root"/>) and
    /// removes stale temporary files. <paramref name="report"/> hears warnings such as a corrupt blob
    /// moved to quarantine; it may be called from any thread.
    /// </summary>
    /// <exception cref="DiagnosticException">The folder cannot be created or written.</exception>
    public static ModelBuildCache Open(string? root = null, Action<Diagnostic>? report = null)
    {
        var layout = new CacheLayout(ResolveRoot(root));
        try
        {
            layout.CreateDirectories();
            RemoveStaleTemporaryFiles(layout.TempDirectory, DateTime.UtcNow - StaleTempAge);
            var cache = new ModelBuildCache(layout, report);
            cache.Content.WriteEmptyBlob();
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
    public Task<CacheLock> AcquireLockAsync(string key, TimeSpan timeout, Action<string>? onWaiting = null, CancellationToken cancellationToken = default) =>
        CacheLock.AcquireAsync(Layout.LocksDirectory, key, timeout, onWaiting, cancellationToken);

    private static void RemoveStaleTemporaryFiles(string tempDirectory, DateTime cutoffUtc)
    {
        foreach (var entry in new DirectoryInfo(tempDirectory).EnumerateFileSystemInfos())
        {
            try
            {
                if (entry.LastWriteTimeUtc >= cutoffUtc)
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
