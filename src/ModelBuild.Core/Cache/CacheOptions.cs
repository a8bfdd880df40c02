using System.Globalization;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Cache;

/// <summary>
/// How a build uses the cache: the local root, its size budget, and the optional remote tier.
/// MSBuild passes its properties (<c>ModelBuildCacheDir</c>, <c>ModelBuildCacheMaxSize</c>,
/// <c>ModelBuildRemoteCache</c>, <c>ModelBuildRemoteCacheReadOnly</c>); what is not given there comes
/// from the environment (<see cref="FromSettings"/>).
/// </summary>
public sealed record CacheOptions
{
    /// <summary>The default size budget: 10 GiB.</summary>
    public const long DefaultMaxSize = 10L << 30;

    /// <summary>Sets <see cref="RemoteCache"/> when no property does.</summary>
    public const string RemoteCacheVariable = "MODELBUILD_REMOTE_CACHE";

    /// <summary>Sets <see cref="RemoteCacheReadOnly"/> when no property does (<c>true</c> or <c>1</c>).</summary>
    public const string RemoteCacheReadOnlyVariable = "MODELBUILD_REMOTE_CACHE_READONLY";

    /// <summary>Sets <see cref="RemoteTimeout"/> in seconds.</summary>
    public const string RemoteCacheTimeoutVariable = "MODELBUILD_REMOTE_CACHE_TIMEOUT";

    /// <summary>Sets <see cref="MaxSize"/> when no property does.</summary>
    public const string MaxSizeVariable = "MODELBUILD_CACHE_MAX_SIZE";

    /// <summary>How long the remote tier waits for an answer before it gives up for the build.</summary>
    public static readonly TimeSpan DefaultRemoteTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The local root; null for <see cref="ModelBuildCache.ResolveRoot"/>'s default.</summary>
    public string? Root { get; init; }

    /// <summary><c>http(s)://host/prefix</c> (Bazel's HTTP cache protocol) or <c>redis://host:port</c>; null for none.</summary>
    public string? RemoteCache { get; init; }

    /// <summary>Read from the remote tier but never write to it (untrusted builds).</summary>
    public bool RemoteCacheReadOnly { get; init; }

    /// <summary>The remote tier's time limit per request (or per silent stretch of a transfer).</summary>
    public TimeSpan RemoteTimeout { get; init; } = DefaultRemoteTimeout;

    /// <summary>The local size budget in bytes; least recently used blobs go past it.</summary>
    public long MaxSize { get; init; } = DefaultMaxSize;

    /// <summary>
    /// Options from MSBuild properties or command-line values, each falling back to its environment
    /// variable when empty.
    /// </summary>
    /// <exception cref="DiagnosticException">MB3005: the size is not a size.</exception>
    public static CacheOptions FromSettings(
        string? root,
        string? remoteCache = null,
        bool? remoteCacheReadOnly = null,
        string? maxSize = null)
    {
        var sizeText = NullIfBlank(maxSize) ?? NullIfBlank(Environment.GetEnvironmentVariable(MaxSizeVariable));
        long size = DefaultMaxSize;
        if (sizeText is not null && !ByteSize.TryParse(sizeText, out size))
        {
            throw new DiagnosticException(CacheDiagnostics.InvalidSize.Create(null, sizeText, "ModelBuildCacheMaxSize"));
        }

        var timeout = DefaultRemoteTimeout;
        if (double.TryParse(
            Environment.GetEnvironmentVariable(RemoteCacheTimeoutVariable),
            NumberStyles.Float,
            CultureInfo.InvariantCulture,
            out var seconds) && seconds > 0)
        {
            timeout = TimeSpan.FromSeconds(seconds);
        }

        return new CacheOptions
        {
            Root = NullIfBlank(root),
            RemoteCache = NullIfBlank(remoteCache) ?? NullIfBlank(Environment.GetEnvironmentVariable(RemoteCacheVariable)),
            RemoteCacheReadOnly = remoteCacheReadOnly ?? IsTrue(Environment.GetEnvironmentVariable(RemoteCacheReadOnlyVariable)),
            MaxSize = size,
            RemoteTimeout = timeout,
        };
    }

    private static bool IsTrue(string? text) =>
        string.Equals(text?.Trim(), "true", StringComparison.OrdinalIgnoreCase) || text?.Trim() == "1";

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
