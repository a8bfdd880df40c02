namespace ModelBuild.Core.Sources;

/// <summary>How a <see cref="SourceFetcher"/> fetches: network behaviour, offline and locked modes, and where tools and packages
/// are.</summary>
public sealed record SourceFetcherOptions
{
    public static SourceFetcherOptions Default { get; } = new();

    /// <summary>Timeouts, retries and redirects of the HTTP engine (https, hf, s3).</summary>
    public HttpDownloadOptions Http { get; init; } = HttpDownloadOptions.Default;

    /// <summary>No network at all (<c>ModelBuildOffline</c>, <c>--offline</c>): what the cache lacks is an error.</summary>
    public bool Offline { get; init; }

    /// <summary>Downloads running at once in this process (<c>-j</c>, <c>ModelBuildMaxParallelism</c>).</summary>
    public int MaxParallelDownloads { get; init; } = 4;

    /// <summary>The project's lock file for remote sources the manifests do not pin; null for none.</summary>
    public ModelLockFile? LockFile { get; init; }

    /// <summary>The npm client; null for <c>MODELBUILD_NPM</c>, else <c>npm</c>.</summary>
    public string? NpmExecutable { get; init; }

    /// <summary>
    /// NuGet's global packages folder (MSBuild's <c>$(NuGetPackageRoot)</c>); null for
    /// <c>NUGET_PACKAGES</c>, else NuGet's configured or default folder.
    /// </summary>
    public string? NuGetPackagesFolder { get; init; }

    /// <summary>Reads environment variables (HF_TOKEN, HF_ENDPOINT, AWS_*); tests pass their own.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Hears every fetch that is not given its own observer (the engine's per-file lines for MSBuild).</summary>
    public IDownloadProgress? Progress { get; init; }

    /// <summary>
    /// An Open Model Zoo downloader cache (<c>modelbuild download --cache_dir</c>): files pinned by SHA-384 are taken from it
    /// when ModelBuild's cache lacks them (verified first), and every such file fetched is written to it; null for none.
    /// </summary>
    public OpenModelZooCacheFolder? OpenModelZooCache { get; init; }

    /// <summary>Messages for people, such as waiting for another process that downloads the same file.</summary>
    public Action<string>? Log { get; init; }
}
