using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// Runs actions cache first. On a miss it takes the key's cross-process lock, looks again (another
/// process may have just finished the same action), and only then computes; a computation that
/// fails records nothing. Counts what it computed and what it found, for the build's summary line.
/// </summary>
public sealed class ActionRunner(ModelBuildCache cache, Action<string>? log = null)
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(30);

    private readonly Action<string> _log = log ?? (_ => { });

    public ModelBuildCache Cache => cache;

    /// <param name="key">The action's key; see <see cref="ActionKeyBuilder"/>.</param>
    /// <param name="description">What the action is, for people: "textcls: prepare".</param>
    /// <param name="compute">Computes the outputs (already put in the content store) on a miss.</param>
    /// <param name="tally">Counts this action as run or cached.</param>
    /// <param name="cancellationToken">Stops waiting and computing.</param>
    public async Task<ActionRecord> RunAsync(ActionKey key, string description, Func<Task<ActionRecord>> compute, ActionTally tally, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(compute);
        ArgumentNullException.ThrowIfNull(tally);
        if (cache.Actions.TryGet(key) is { } hit)
        {
            tally.Cached++;
            tally.Traces.Add(new ActionTrace(description, key.Digest.Hex, Cached: true));
            return hit;
        }

        using var held = await cache.AcquireLockAsync(
            key.Digest.Hex,
            LockTimeout,
            holder => _log($"ModelBuild: waiting for {description}, being computed by {holder}"),
            cancellationToken).ConfigureAwait(false);
        if (cache.Actions.TryGet(key) is { } afterWait)
        {
            tally.Cached++;
            tally.Traces.Add(new ActionTrace(description, key.Digest.Hex, Cached: true));
            return afterWait;
        }

        var record = await compute().ConfigureAwait(false);
        cache.Actions.Put(key, record);
        tally.Run++;
        tally.Traces.Add(new ActionTrace(description, key.Digest.Hex, Cached: false));
        return record;
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
}

/// <summary>How many actions of one model were computed and how many came from the cache.</summary>
public sealed class ActionTally
{
    public int Run { get; set; }

    public int Cached { get; set; }

    /// <summary>Each action in the order it finished, for detailed build logs.</summary>
    public List<ActionTrace> Traces { get; } = [];
}

/// <summary>One action of a compile: what it was ("textcls: prepare"), its key, and whether the cache had it.</summary>
public sealed record ActionTrace(string Description, string Key, bool Cached);
