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
}
