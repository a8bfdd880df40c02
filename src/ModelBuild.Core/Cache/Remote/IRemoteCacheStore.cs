namespace ModelBuild.Core.Cache.Remote;

/// <summary>
/// A remote store of blobs by digest and action records by key: contains, get and put, nothing more.
/// Verification, read-only mode and fault handling sit above it, in <see cref="RemoteCache"/>.
/// Implementations throw on anything but a plain miss (an unreachable server, a refusal, a time-out);
/// <see cref="RemoteCacheException"/> carries a reason fit to show people, with no credentials in it.
/// </summary>
public interface IRemoteCacheStore : IDisposable
{
    /// <summary>True when the store holds the blob.</summary>
    Task<bool> ContainsBlobAsync(Sha256Digest digest, CancellationToken cancellationToken);

    /// <summary>Writes the blob's bytes to <paramref name="destination"/>; false when the store does not hold it.</summary>
    Task<bool> TryReadBlobAsync(Sha256Digest digest, Stream destination, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="size"/> bytes of <paramref name="content"/> as the blob <paramref name="digest"/>.</summary>
    Task WriteBlobAsync(Sha256Digest digest, long size, Stream content, CancellationToken cancellationToken);

    /// <summary>The serialized action record stored under <paramref name="key"/>, or null.</summary>
    Task<byte[]?> TryReadActionAsync(ActionKey key, CancellationToken cancellationToken);

    /// <summary>Stores a serialized action record under <paramref name="key"/>.</summary>
    Task WriteActionAsync(ActionKey key, ReadOnlyMemory<byte> record, CancellationToken cancellationToken);
}

/// <summary>A remote store refused or failed a request; the message says why, without credentials.</summary>
public sealed class RemoteCacheException : Exception
{
    public RemoteCacheException()
    {
    }

    public RemoteCacheException(string message)
        : base(message)
    {
    }

    public RemoteCacheException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
