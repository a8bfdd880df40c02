using System.Text;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// Runs actions cache first: the local cache, then (under the key's cross-process lock, after looking
/// locally again: another process may have just finished the same action) the remote tier, and only
/// then the computation. A computed result is committed locally first and uploaded after; a
/// computation that fails records nothing. Counts what it computed and what it found, for the
/// build's summary line.
/// </summary>
public sealed class ActionRunner(ModelBuildCache cache, Action<string>? log = null)
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(30);

    private readonly Action<string> _log = log ?? (_ => { });

    public ModelBuildCache Cache => cache;

    /// <param name="key">The action's key; see <see cref="EngineIdentity.NewActionKey"/>.</param>
    /// <param name="description">What the action is, for people: "textcls: prepare".</param>
    /// <param name="compute">Computes the outputs (already put in the content store) on a miss.</param>
    /// <param name="tally">Counts this action as run or cached.</param>
    /// <param name="cancellationToken">Stops waiting and computing.</param>
    public async Task<ActionRecord> RunAsync(
        ActionKey key,
        string description,
        Func<Task<ActionRecord>> compute,
        ActionTally tally,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(compute);
        ArgumentNullException.ThrowIfNull(tally);
        if (cache.Actions.TryGet(key) is { } hit)
        {
            tally.Cached++;
            tally.Traces.Add(new ActionTrace(description, key.Digest.Hex, Cached: true));
            return hit;
        }

        using var held = await AcquireAsync(key.Digest.Hex, description, cancellationToken).ConfigureAwait(false);
        if (cache.Actions.TryGet(key) is { } afterWait)
        {
            tally.Cached++;
            tally.Traces.Add(new ActionTrace(description, key.Digest.Hex, Cached: true));
            return afterWait;
        }

        if (cache.Remote is { } remote
            && await remote.TryDownloadActionAsync(cache, key, cancellationToken).ConfigureAwait(false) is { } remoteHit)
        {
            tally.Cached++;
            tally.FromRemote++;
            tally.Traces.Add(new ActionTrace(description + " (remote cache)", key.Digest.Hex, Cached: true));
            return remoteHit;
        }

        var record = await compute().ConfigureAwait(false);
        cache.Actions.Put(key, record);
        tally.Run++;
        if (cache.Remote is { } uploadTo)
        {
            await uploadTo.UploadActionAsync(cache.Content, key, record, cancellationToken).ConfigureAwait(false);
        }

        tally.Traces.Add(new ActionTrace(description, key.Digest.Hex, Cached: false));
        return record;
    }

    /// <summary>
    /// Fetches a remote model source at most once across processes: a source pinned by a digest the
    /// local cache holds is not contacted; otherwise one process at a time fetches it (the others wait,
    /// then find it), trying the remote tier by its pinned digest before the source itself, and
    /// uploading what it fetched. Local files are read directly.
    /// </summary>
    /// <param name="source">The model source.</param>
    /// <param name="pinned">The manifest's pinned digest, if any.</param>
    /// <param name="description">What is fetched, for people: "textcls: fetch".</param>
    /// <param name="fetch">Fetches into the local cache (the source fetcher).</param>
    /// <param name="cancellationToken">Stops waiting and fetching.</param>
    public async Task<FetchedContent> FetchAsync(
        SourceReference source,
        Sha256Digest? pinned,
        string description,
        Func<Task<FetchedContent>> fetch,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(fetch);
        if (source.IsLocal || (pinned is { } present && cache.Content.Contains(present)))
        {
            return await fetch().ConfigureAwait(false);
        }

        var identity = pinned ?? Sha256Digest.Compute(Encoding.UTF8.GetBytes(source.DisplayText));
        using var held = await AcquireAsync("fetch-" + identity.Hex, description, cancellationToken).ConfigureAwait(false);
        var remote = cache.Remote;
        if (pinned is { } digest && remote is not null && !cache.Content.Contains(digest))
        {
            await remote.TryDownloadBlobAsync(cache.Content, digest, size: null, cancellationToken).ConfigureAwait(false);
        }

        var fetched = await fetch().ConfigureAwait(false);
        if (pinned is not null && remote is not null)
        {
            // Only a pinned source can be found by digest on another machine; skipped if the remote has it.
            await remote.UploadBlobAsync(cache.Content, fetched.Blob, cancellationToken).ConfigureAwait(false);
        }

        return fetched;
    }

    /// <summary>Reads a whole blob the cache holds; a blob that vanished while in use is an engine fault.</summary>
    public async Task<byte[]> ReadBlobAsync(StoredBlob blob, CancellationToken cancellationToken)
    {
        var stream = cache.Content.TryOpen(blob.Digest)
            ?? throw new InvalidOperationException($"Blob {blob} vanished from the cache while it was in use.");
        await using (stream.ConfigureAwait(false))
        {
            var bytes = new byte[blob.Size];
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            return bytes;
        }
    }

    private Task<CacheLock> AcquireAsync(string lockKey, string description, CancellationToken cancellationToken) =>
        cache.AcquireLockAsync(
            lockKey,
            LockTimeout,
            holder => _log($"ModelBuild: waiting for {description}, being built by {holder}"),
            description,
            cancellationToken);
}

/// <summary>How many actions of one model were computed and how many came from the cache.</summary>
public sealed class ActionTally
{
    public int Run { get; set; }

    /// <summary>Found in the local or the remote cache.</summary>
    public int Cached { get; set; }

    /// <summary>Of <see cref="Cached"/>, found in the remote cache.</summary>
    public int FromRemote { get; set; }

    /// <summary>Each action in the order it finished, for detailed build logs.</summary>
    public List<ActionTrace> Traces { get; } = [];
}

/// <summary>One action of a compile: what it was ("textcls: prepare"), its key, and whether the cache had it.</summary>
public sealed record ActionTrace(string Description, string Key, bool Cached);
