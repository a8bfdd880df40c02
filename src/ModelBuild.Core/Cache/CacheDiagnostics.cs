using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Cache;

/// <summary>The diagnostics of the cache, codes MB30xx.</summary>
public static class CacheDiagnostics
{
    /// <summary>Content handed to the store does not match the digest or size it was expected to have.</summary>
    public static readonly DiagnosticDescriptor ContentMismatch = new(
        "MB3001", DiagnosticSeverity.Error,
        "Content does not match what was expected: expected {0}, got {1}. Nothing was stored in the cache.");

    /// <summary>A blob in the store failed verification and was moved aside.</summary>
    public static readonly DiagnosticDescriptor CorruptBlobQuarantined = new(
        "MB3002", DiagnosticSeverity.Warning,
        "The cached blob sha256 {0} was corrupt and has been moved to {1}; it will be fetched or computed again.");

    /// <summary>A cache lock was not released in time.</summary>
    public static readonly DiagnosticDescriptor LockTimeout = new(
        "MB3003", DiagnosticSeverity.Error,
        "Timed out after {0} waiting for the cache lock '{1}', held by {2}.");

    /// <summary>The cache root cannot be created or written.</summary>
    public static readonly DiagnosticDescriptor CacheNotUsable = new(
        "MB3004", DiagnosticSeverity.Error,
        "The model cache at {0} is not usable: {1}");

    /// <summary>A size setting (ModelBuildCacheMaxSize, --max-size) is not a size.</summary>
    public static readonly DiagnosticDescriptor InvalidSize = new(
        "MB3005", DiagnosticSeverity.Error,
        "'{0}' is not a size for {1}: write a number of bytes, or a number with a unit (500MB, 10GiB).");

    /// <summary>An age setting (--older-than) is not a duration.</summary>
    public static readonly DiagnosticDescriptor InvalidAge = new(
        "MB3006", DiagnosticSeverity.Error,
        "'{0}' is not an age: write a number with d, h, m or s (30d, 12h, 90m).");

    /// <summary><c>modelbuild cache verify</c> found corrupt entries (and moved them to quarantine).</summary>
    public static readonly DiagnosticDescriptor VerificationFoundCorruption = new(
        "MB3007", DiagnosticSeverity.Error,
        "cache verify found {0} corrupt entries in {1}; they were moved to quarantine and will be fetched or computed again when needed.");

    /// <summary>The remote tier failed; it is left alone for the rest of the build.</summary>
    public static readonly DiagnosticDescriptor RemoteUnavailable = new(
        "MB3010", DiagnosticSeverity.Warning,
        "The remote cache {0} is not used for the rest of this build: {1}. The build goes on with the local cache.");

    /// <summary>The remote tier's address is not one ModelBuild can use.</summary>
    public static readonly DiagnosticDescriptor InvalidRemoteAddress = new(
        "MB3011", DiagnosticSeverity.Warning,
        "ModelBuildRemoteCache '{0}' is not a remote cache address: {1}. Use http(s)://host/prefix (Bazel's HTTP cache protocol), " +
            "redis://host:port or rediss://host:port (TLS); the build goes on with the local cache.");

    /// <summary>The remote tier served something that does not match its name.</summary>
    public static readonly DiagnosticDescriptor RemoteEntryCorrupt = new(
        "MB3012", DiagnosticSeverity.Warning,
        "The remote cache {0} returned {1} that does not match it ({2}); it was ignored.");

    /// <summary>A write failed because the file system holding it is full (ENOSPC) or the user's quota is used up.</summary>
    public static readonly DiagnosticDescriptor NoSpace = new(
        "MB3020", DiagnosticSeverity.Error,
        "Cannot write '{0}': no space left on its file system ({1}). The file was left as it was; free some space and build again.");

    /// <summary>A write failed because the file grew past the process's file size limit (EFBIG, <c>ulimit -f</c>).</summary>
    public static readonly DiagnosticDescriptor FileTooLarge = new(
        "MB3021", DiagnosticSeverity.Error,
        "Cannot write '{0}': the file would grow past this process's file size limit (ulimit -f). The file was left as it was; raise the " +
            "limit and build again.");

    /// <summary>A write was refused for lack of permission.</summary>
    public static readonly DiagnosticDescriptor PermissionDenied = new(
        "MB3022", DiagnosticSeverity.Error,
        "Cannot write '{0}': permission denied ({1}). The file was left as it was; make the folder writable and build again.");

    /// <summary>A write failed because the folder is on a read-only file system (EROFS).</summary>
    public static readonly DiagnosticDescriptor ReadOnlyFileSystem = new(
        "MB3023", DiagnosticSeverity.Error,
        "Cannot write '{0}': it is on a read-only file system. The file was left as it was; mount it writable or move the folder and " +
            "build again.");

    /// <summary>A blob was found corrupt or missing again right after it was computed anew, while outputs were written.</summary>
    public static readonly DiagnosticDescriptor BlobLostAgain = new(
        "MB3024", DiagnosticSeverity.Error,
        "The cached blob {0} was corrupt or missing again after it was computed anew, in the cache at {1}. The output folder was left as " +
            "it was; check the disk holding the cache.");

    /// <summary>A blob an action was using was found corrupt while copied for a tool (and quarantined), or was removed meanwhile.</summary>
    public static readonly DiagnosticDescriptor BlobLostInUse = new(
        "MB3025", DiagnosticSeverity.Error,
        "The cached blob {0} was found corrupt or removed while it was in use, in the cache at {1}; it will be fetched or computed again " +
            "by the next build.");

    /// <summary>The remote tier's address carries a password, which then travels wherever the address does.</summary>
    public static readonly DiagnosticDescriptor PasswordInRemoteAddress = new(
        "MB3040", DiagnosticSeverity.Warning,
        "The remote cache address {0} carries a password; an address is copied into build logs, MSBuild's binary log and request files, " +
            "so keep the password out of it: set {2} (and {1} for a user name) in the environment and give the address without user " +
                "information.");
}
