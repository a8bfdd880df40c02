using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Cache.Remote;

/// <summary>
/// The remote tier's policy over an <see cref="IRemoteCacheStore"/>: what comes down is checked before
/// the local cache takes it (blobs by digest and size, records by key and by the presence of every
/// blob they name); uploads happen only after the local commit and never in read-only mode; and the
/// first failure (down, slow, refusing, wrong credentials) is reported once as MB3010 and turns the
/// tier off for the rest of the build, which goes on locally. Safe to use from several threads.
/// </summary>
public sealed class RemoteCache : IDisposable
{
    private readonly IRemoteCacheStore _store;
    private readonly Action<Diagnostic>? _report;
    private int _faulted;
    private int _blobsDownloaded;
    private int _actionsDownloaded;
    private int _blobsUploaded;
    private int _actionsUploaded;

    /// <param name="store">The protocol.</param>
    /// <param name="displayAddress">How messages name the remote (no credentials).</param>
    /// <param name="readOnly">Never write.</param>
    /// <param name="report">Hears MB3010 (once) and MB3012.</param>
    public RemoteCache(IRemoteCacheStore store, string displayAddress, bool readOnly, Action<Diagnostic>? report)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        DisplayAddress = displayAddress;
        ReadOnly = readOnly;
        _report = report;
    }

    /// <summary>The remote as messages name it: no user name, password or query.</summary>
    public string DisplayAddress { get; }

    /// <summary>True when this build only reads from the remote.</summary>
    public bool ReadOnly { get; }

    /// <summary>True once a failure has turned the tier off for this build.</summary>
    public bool Faulted => Volatile.Read(ref _faulted) != 0;

    /// <summary>Blobs brought down and stored locally by this build.</summary>
    public int BlobsDownloaded => Volatile.Read(ref _blobsDownloaded);

    /// <summary>Action records found remotely (with all their blobs) by this build.</summary>
    public int ActionsDownloaded => Volatile.Read(ref _actionsDownloaded);

    /// <summary>Blobs this build sent up.</summary>
    public int BlobsUploaded => Volatile.Read(ref _blobsUploaded);

    /// <summary>Action records this build sent up.</summary>
    public int ActionsUploaded => Volatile.Read(ref _actionsUploaded);

    /// <summary>
    /// The tier for <paramref name="address"/>; null (after warning MB3011) when the address cannot be used.
    /// </summary>
    public static RemoteCache? Create(string address, bool readOnly, TimeSpan timeout, Action<Diagnostic>? report)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!RemoteCacheAddress.TryParse(address, out var parsed, out var reason))
        {
            report?.Invoke(CacheDiagnostics.InvalidRemoteAddress.Create(null, UrlRedactor.Redact(address), reason));
            return null;
        }

        if (parsed.HasPassword)
        {
            report?.Invoke(CacheDiagnostics.PasswordInRemoteAddress
                .Create(null, parsed.DisplayText, RemoteCacheCredentials.UserNameVariable, RemoteCacheCredentials.PasswordVariable));
        }

        var credentials = RemoteCacheCredentials.For(parsed);
        IRemoteCacheStore store = parsed.Kind switch
        {
            RemoteCacheKind.Http => new BazelHttpStore(parsed, credentials, timeout),
            _ => new DistributedCacheStore(new RedisDistributedCache(parsed, credentials, timeout)),
        };
        return new RemoteCache(store, parsed.DisplayText, readOnly, report);
    }

    /// <summary>
    /// Brings the blob down into <paramref name="local"/> if the remote has it and it matches its digest
    /// (and <paramref name="size"/>, when known). False on a miss, a mismatch, or a tier that is off.
    /// </summary>
    public async Task<bool> TryDownloadBlobAsync(ContentStore local, Sha256Digest digest, long? size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(local);
        if (digest == Sha256Digest.Empty)
        {
            return local.Contains(digest); // Always there, never asked for.
        }

        var attempt = await GuardAsync(
            token => local.TryPutFromAsync((destination, t) => _store.TryReadBlobAsync(digest, destination, t), digest, size, token),
            fallback: null,
            cancellationToken).ConfigureAwait(false);
        if (attempt is not { } arrived)
        {
            return false;
        }

        if (!arrived.Matched)
        {
            _report?.Invoke(CacheDiagnostics.RemoteEntryCorrupt
                .Create(null, DisplayAddress, $"content for {ContentStore.DescribeExpected(digest, size)}", $"got {arrived.Actual}"));
            return false;
        }

        Interlocked.Increment(ref _blobsDownloaded);
        return true;
    }

    /// <summary>
    /// The remote record for <paramref name="key"/>, with every blob it names brought down and checked,
    /// then stored in the local action cache; null when any part is missing or wrong.
    /// </summary>
    public async Task<ActionRecord?> TryDownloadActionAsync(ModelBuildCache local, ActionKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(local);
        var json = await GuardAsync(token => _store.TryReadActionAsync(key, token), fallback: null, cancellationToken).ConfigureAwait(
            false);
        if (json is null)
        {
            return null;
        }

        if (ActionCache.Deserialize(json, key, out _) is not { } record)
        {
            _report?.Invoke(CacheDiagnostics.RemoteEntryCorrupt
                .Create(null, DisplayAddress, $"the action record {key}", "not a record of this format for this key"));
            return null;
        }

        foreach (var blob in record.Outputs.Values)
        {
            if (local.Content.Find(blob.Digest) is { } present && present.Size == blob.Size)
            {
                continue;
            }

            if (!await TryDownloadBlobAsync(local.Content, blob.Digest, blob.Size, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }

        local.Actions.Put(key, record);
        Interlocked.Increment(ref _actionsDownloaded);
        return record;
    }

    /// <summary>
    /// Sends a locally stored blob up, unless the remote has it already (or the tier is read-only or off).
    /// The bytes are checked against the digest as they are sent; a local blob found corrupt is quarantined
    /// (MB3002) and the upload abandoned before its last bytes, so the remote never stores it.
    /// </summary>
    /// <returns>False when the blob is known not to be on the remote: it was corrupt or gone locally.</returns>
    public async Task<bool> UploadBlobAsync(ContentStore local, StoredBlob blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(blob);
        if (ReadOnly || blob.Digest == Sha256Digest.Empty)
        {
            return true;
        }

        return await GuardAsync(
            async token =>
            {
                if (await _store.ContainsBlobAsync(blob.Digest, token).ConfigureAwait(false))
                {
                    return true;
                }

                var content = local.TryOpenForTransfer(blob.Digest);
                if (content is null)
                {
                    return false; // Evicted or quarantined meanwhile: nothing trustworthy to send.
                }

                await using (content.ConfigureAwait(false))
                {
                    try
                    {
                        await _store.WriteBlobAsync(blob.Digest, blob.Size, content, token).ConfigureAwait(false);
                    }
                    catch (Exception) when (content is VerifyingReadStream { Corrupt: true })
                    {
                        // The store may wrap the stream's exception (HttpClient does); either way it is ours, not the remote's.
                        return false;
                    }
                }

                Interlocked.Increment(ref _blobsUploaded);
                return true;
            },
            fallback: true,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends an action's blobs, then its record (so the remote never names a blob it lacks).</summary>
    public async Task UploadActionAsync(ContentStore local, ActionKey key, ActionRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (ReadOnly || Faulted)
        {
            return;
        }

        var complete = true;
        foreach (var blob in record.Outputs.Values)
        {
            complete &= await UploadBlobAsync(local, blob, cancellationToken).ConfigureAwait(false);
        }

        // A record is never sent naming a blob the remote may lack.
        if (Faulted || !complete)
        {
            return;
        }

        var bytes = ActionCache.Serialize(key, record);
        var sent = await GuardAsync(
            async token =>
            {
                await _store.WriteActionAsync(key, bytes, token).ConfigureAwait(false);
                return true;
            },
            fallback: false,
            cancellationToken).ConfigureAwait(false);
        if (sent)
        {
            Interlocked.Increment(ref _actionsUploaded);
        }
    }

    public void Dispose() => _store.Dispose();

    /// <summary>Runs a remote operation; any failure but the caller's own cancellation turns the tier off.</summary>
    private async Task<T> GuardAsync<T>(Func<CancellationToken, Task<T>> operation, T fallback, CancellationToken cancellationToken)
    {
        if (Faulted)
        {
            return fallback;
        }

        try
        {
            return await operation(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is RemoteCacheException
            or HttpRequestException
            or IOException
            or System.Net.Sockets.SocketException
            or OperationCanceledException
            or NotSupportedException
            or InvalidOperationException)
        {
            Fault(e);
            return fallback;
        }
    }

    private void Fault(Exception e)
    {
        if (Interlocked.Exchange(ref _faulted, 1) == 0)
        {
            var reason = string.Join(
                ' ',
                e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
            _report?.Invoke(CacheDiagnostics.RemoteUnavailable.Create(null, DisplayAddress, UrlRedactor.Redact(reason)));
        }
    }
}
