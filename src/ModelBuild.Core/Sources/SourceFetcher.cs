using System.Diagnostics;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Brings a model source's bytes into the content store, checked against the pinned digests and
/// size when there are some. A remote source pinned by a digest the store already holds is not
/// contacted at all, so pinned builds work offline. A remote source the manifest does not pin takes
/// its pin from the project's lock file, which the first fetch writes. Safe to use from several threads.
/// </summary>
public sealed class SourceFetcher : IDisposable
{
    // Version of the digest-alias records (a sha384 or sha512 pin → the blob it names).
    private const string AliasRecordVersion = "digest-alias.1";
    private const string AliasOutput = "content";

    private readonly ModelBuildCache _cache;
    private readonly SourceFetcherOptions _options;
    private readonly HttpClient? _ownedHttpClient;
    private readonly CachedHttpDownload _downloads;
    private readonly Dictionary<Type, ISourceResolver> _resolvers;

    /// <param name="cache">Where fetched content goes.</param>
    /// <param name="httpClient">The client for http(s) sources; one is created (and disposed with this fetcher) if null.</param>
    /// <param name="npmExecutable">The npm client; default <c>MODELBUILD_NPM</c>, else <c>npm</c> (<c>npm.cmd</c> on Windows).</param>
    public SourceFetcher(ModelBuildCache cache, HttpClient? httpClient = null, string? npmExecutable = null)
        : this(cache, SourceFetcherOptions.Default with { NpmExecutable = npmExecutable }, httpClient)
    {
    }

    /// <param name="cache">Where fetched content goes.</param>
    /// <param name="options">Network, offline, lock file and tool settings.</param>
    /// <param name="httpClient">
    /// The client for http(s), hf and s3 sources; null to create one from <see cref="SourceHttpClient"/>
    /// (disposed with this fetcher). A given client should not follow redirects itself.
    /// </param>
    public SourceFetcher(ModelBuildCache cache, SourceFetcherOptions options, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(options);
        _cache = cache;
        _options = options;
        _ownedHttpClient = httpClient is null ? SourceHttpClient.Create(options.Http) : null;
        _downloads = new CachedHttpDownload(cache, httpClient ?? _ownedHttpClient!, options);
        ISourceResolver[] resolvers =
        [
            new LocalFileResolver(cache.Content),
            new HttpResolver(_downloads),
            new NpmResolver(cache, new NpmClient(options.NpmExecutable ?? NpmClient.DefaultExecutable())),
            new NuGetResolver(cache, options),
            new HuggingFaceResolver(_downloads, options.Environment),
            new S3Resolver(_downloads, options.Environment),
            new GoogleDriveResolver(_downloads, options.Environment),
            new NnArchiveMemberResolver(cache.Content),
        ];
        _resolvers = resolvers.ToDictionary(r => r.SourceType);
    }

    /// <summary>The options this fetcher was made with.</summary>
    public SourceFetcherOptions Options => _options;

    /// <summary>
    /// Fetches <paramref name="source"/> into the content store.
    /// </summary>
    /// <param name="source">What to fetch.</param>
    /// <param name="expectedDigest">The pinned SHA-256, if any; other content is an error and is not stored.</param>
    /// <param name="expectedSize">The pinned size in bytes, if any.</param>
    /// <param name="at">Where the source is written in the manifest; diagnostics point there.</param>
    /// <param name="cancellationToken">Stops the fetch; nothing partial is left in the store.</param>
    /// <exception cref="DiagnosticException">The source cannot be fetched or does not match its pin.</exception>
    public Task<FetchedContent> FetchAsync(
        SourceReference source,
        Sha256Digest? expectedDigest = null,
        long? expectedSize = null,
        SourceLocation? at = null,
        CancellationToken cancellationToken = default) =>
        FetchAsync(source, ContentPin.From(expectedDigest, expectedSize), at, progress: null, cancellationToken);

    /// <summary>
    /// Fetches <paramref name="source"/> into the content store, checked against every digest of
    /// <paramref name="pin"/> (sha256, sha384, sha512) and its size.
    /// </summary>
    /// <param name="source">What to fetch.</param>
    /// <param name="pin">What the content must be; <see cref="ContentPin.None"/> for anything (then the lock file, if any, pins
    /// it).</param>
    /// <param name="at">Where the source is written in the manifest; diagnostics point there.</param>
    /// <param name="progress">Hears the fetch begin, progress and end; may be null.</param>
    /// <param name="cancellationToken">Stops the fetch; a download keeps its partial file to resume later.</param>
    /// <exception cref="DiagnosticException">The source cannot be fetched or does not match its pin.</exception>
    public Task<FetchedContent> FetchAsync(
        SourceReference source,
        ContentPin pin,
        SourceLocation? at = null,
        IDownloadProgress? progress = null,
        CancellationToken cancellationToken = default) =>
        FetchAsync(source, pin, at, progress, copy: null, cancellationToken);

    /// <summary>
    /// Fetches like <see cref="FetchAsync(SourceReference, ContentPin, SourceLocation?, IDownloadProgress?, CancellationToken)"/>;
    /// a download also writes <paramref name="copy"/> as it streams, which holds the blob afterwards (a cache hit or another
    /// kind of source leaves it empty: <see cref="OutputCopy.TryCommit"/> then says false).
    /// </summary>
    internal async Task<FetchedContent> FetchAsync(
        SourceReference source,
        ContentPin pin,
        SourceLocation? at,
        IDownloadProgress? progress,
        OutputCopy? copy,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(pin);
        progress ??= _options.Progress;
        var stopwatch = Stopwatch.StartNew();
        progress?.Started(new DownloadStarted(source.DisplayText, source.Host, pin.Size));
        try
        {
            var fetched = await FetchCoreAsync(source, pin, at, progress, copy, cancellationToken).ConfigureAwait(false);
            progress?.Finished(new DownloadFinished(
                source.DisplayText,
                source.Host,
                true,
                fetched.FromCache,
                fetched.Size,
                fetched.Transferred,
                stopwatch.Elapsed));
            return fetched;
        }
        catch
        {
            progress?.Finished(new DownloadFinished(source.DisplayText, source.Host, false, false, 0, 0, stopwatch.Elapsed));
            throw;
        }
    }

    public void Dispose()
    {
        _downloads.Dispose();
        _ownedHttpClient?.Dispose();
    }

    private async Task<FetchedContent> FetchCoreAsync(
        SourceReference source,
        ContentPin pin,
        SourceLocation? at,
        IDownloadProgress? progress,
        OutputCopy? copy,
        CancellationToken cancellationToken)
    {
        var lockFile = source.IsLocal || pin.HasDigest ? null : _options.LockFile;
        var locked = lockFile?.Find(source);
        lockFile?.RequireEntry(source, at);
        var request = new FetchRequest(
            locked is null ? pin : ContentPin.From(locked.Sha256, locked.Size),
            at,
            progress,
            _options.Offline,
            locked is null ? null : lockFile!.FilePath)
        {
            Copy = copy,
        };

        var openModelZoo = source.IsLocal ? null : OpenModelZooEntryOf(request.Pin);
        if (!source.IsLocal && FindCached(request.Pin) is { } cached)
        {
            var hit = request.Pin.Size is { } size && size != cached.Size
                ? throw request.Mismatch(source, cached)
                : new FetchedContent(cached.Digest, cached.Size, null) { FromCache = true };
            return await KeepInOpenModelZooCacheAsync(openModelZoo, hit, replace: false, cancellationToken).ConfigureAwait(false);
        }

        var corruptEntry = default(Diagnostic);
        if (openModelZoo is not null)
        {
            var (reused, problem) = await TryOpenModelZooCacheAsync(openModelZoo, source, request, cancellationToken).ConfigureAwait(false);
            if (reused is not null)
            {
                return reused;
            }

            corruptEntry = problem;
        }

        if (!_resolvers.TryGetValue(source.GetType(), out var resolver))
        {
            throw new NotSupportedException($"No resolver for {source.GetType().Name}.");
        }

        FetchedContent fetched;
        try
        {
            fetched = await resolver.FetchAsync(source, request, cancellationToken).ConfigureAwait(false);
        }
        catch (DiagnosticException) when (corruptEntry is not null)
        {
            // The error says the source failed; the log says why the cached copy was not taken instead.
            _options.Log?.Invoke(corruptEntry.ToString());
            throw;
        }

        await VerifyOtherDigestsAsync(source, request, fetched, cancellationToken).ConfigureAwait(false);
        if (corruptEntry is not null)
        {
            fetched = fetched with { Warnings = fetched.Warnings.Insert(0, corruptEntry) };
        }

        fetched = await KeepInOpenModelZooCacheAsync(openModelZoo, fetched, replace: corruptEntry is not null, cancellationToken)
            .ConfigureAwait(false);
        if (!source.IsLocal && !pin.HasDigest)
        {
            if (lockFile is not null)
            {
                lockFile.Record(source, new LockedSource(fetched.Digest, fetched.Size), at);
            }
            else
            {
                fetched = fetched with
                {
                    Warnings = fetched.Warnings
                        .Add(SourceDiagnostics.NotPinned.Create(at, source.DisplayText, fetched.Digest, fetched.Size)),
                };
            }
        }

        return fetched;
    }

    /// <summary>The Open Model Zoo cache entry a pin keys (its SHA-384), when the fetcher has such a cache.</summary>
    private OpenModelZooEntry? OpenModelZooEntryOf(ContentPin pin) =>
        _options.OpenModelZooCache is { } folder
            && pin.OtherDigests.FirstOrDefault(d => d.Algorithm == DigestAlgorithm.Sha384) is { } sha384
            ? new OpenModelZooEntry(folder, sha384)
            : null;

    /// <summary>
    /// Takes the file from the Open Model Zoo cache into the content store, checked against the pin's size and every digest
    /// on the way; an entry that does not match is not used (the warning says so) and is replaced after the download.
    /// </summary>
    private async Task<(FetchedContent? Reused, Diagnostic? Problem)> TryOpenModelZooCacheAsync(
        OpenModelZooEntry entry,
        SourceReference source,
        FetchRequest request,
        CancellationToken cancellationToken)
    {
        var stream = entry.Folder.TryOpen(entry.Sha384);
        if (stream is null)
        {
            return (null, null);
        }

        FetchedContent stored;
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                stored = await PinnedPut.StoreAsync(_cache.Content, stream, source, request, null, cancellationToken).ConfigureAwait(false);
            }
            catch (DiagnosticException e) when (e.Diagnostic.Code is "MB2012" or "MB2033")
            {
                return (null, SourceDiagnostics.OpenModelZooCacheEntryCorrupt.Create(request.At, entry.Path, e.Diagnostic.Message));
            }
        }

        await VerifyOtherDigestsAsync(source, request, stored, cancellationToken).ConfigureAwait(false);
        _options.Log?.Invoke($"{source.DisplayText}: taken from the Open Model Zoo cache ({entry.Path}), verified.");
        return (stored with { FromCache = true }, null);
    }

    /// <summary>Writes a verified file to the Open Model Zoo cache when its entry is missing (or was found corrupt).</summary>
    private async Task<FetchedContent> KeepInOpenModelZooCacheAsync(
        OpenModelZooEntry? entry,
        FetchedContent fetched,
        bool replace,
        CancellationToken cancellationToken)
    {
        if (entry is null || (!replace && File.Exists(entry.Path)))
        {
            return fetched;
        }

        try
        {
            var content = _cache.Content.TryOpen(fetched.Digest);
            if (content is null)
            {
                return fetched;
            }

            await using (content.ConfigureAwait(false))
            {
                await entry.Folder.PutAsync(entry.Sha384, content, cancellationToken).ConfigureAwait(false);
            }

            return fetched;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return fetched with
            {
                Warnings = fetched.Warnings.Add(SourceDiagnostics.OpenModelZooCacheNotWritable
                    .Create(null, entry.Path, entry.Folder.Root, e.Message)),
            };
        }
    }

    /// <summary>The blob a pin names, by its sha256 or through a recorded alias of another digest.</summary>
    private StoredBlob? FindCached(ContentPin pin)
    {
        if (pin.Sha256 is { } sha256)
        {
            return _cache.Content.Find(sha256);
        }

        foreach (var digest in pin.OtherDigests)
        {
            if (_cache.Actions.TryGet(AliasKey(digest))?.Outputs.GetValueOrDefault(AliasOutput) is { } blob)
            {
                return blob;
            }
        }

        return null;
    }

    /// <summary>
    /// Checks pinned digests the resolver did not check while streaming (a local or packaged file
    /// pinned by sha384), and records every verified one so the next fetch finds the blob by it.
    /// </summary>
    private async Task VerifyOtherDigestsAsync(
        SourceReference source,
        FetchRequest request,
        FetchedContent fetched,
        CancellationToken cancellationToken)
    {
        foreach (var digest in request.Pin.OtherDigests)
        {
            if (!fetched.VerifiedDigests.Contains(digest))
            {
                var actual = await ComputeAsync(fetched.Digest, digest.Algorithm, cancellationToken).ConfigureAwait(false);
                if (actual != digest)
                {
                    throw request.Mismatch(source, $"{actual?.AlgorithmName} {actual?.Hex} ({fetched.Size} bytes)");
                }
            }

            _cache.Actions.Put(AliasKey(digest), new ActionRecord("digest-alias", [new(AliasOutput, fetched.Blob)]));
        }
    }

    private async Task<ContentDigest?> ComputeAsync(Sha256Digest blob, DigestAlgorithm algorithm, CancellationToken cancellationToken)
    {
        var stream = _cache.Content.TryOpen(blob);
        if (stream is null)
        {
            return null;
        }

        await using (stream.ConfigureAwait(false))
        {
            using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(ContentDigest.HashName(algorithm));
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }

            return ContentDigest.FromHash(algorithm, hash.GetHashAndReset());
        }
    }

    private static ActionKey AliasKey(ContentDigest digest) =>
        new ActionKeyBuilder("digest-alias", AliasRecordVersion)
            .WithOptions(new JsonObject { ["algorithm"] = digest.AlgorithmName, ["hex"] = digest.Hex })
            .Build();
}

/// <summary>One file's place in an Open Model Zoo cache.</summary>
internal sealed record OpenModelZooEntry(OpenModelZooCacheFolder Folder, ContentDigest Sha384)
{
    public string Path => Folder.PathOf(Sha384);
}
