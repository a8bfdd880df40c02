using System.Security.Cryptography;

namespace ModelBuild.Core.Cache;

/// <summary>
/// A read-only stream over a blob that hashes what passes through and, before it hands out the bytes
/// that complete the blob, checks the digest: a corrupt blob never reaches its reader whole. On a
/// mismatch it calls <c>onCorrupt</c> once and throws <see cref="CorruptBlobException"/>. Owns the inner stream.
/// </summary>
internal sealed class VerifyingReadStream(Stream inner, Sha256Digest digest, Action onCorrupt) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly long _length = inner.Length;
    private long _position;
    private bool _checked;

    /// <summary>True once the content was found not to match its digest.</summary>
    public bool Corrupt { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        return Passed(buffer[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Passed(buffer.Span[..read]);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Passed(ReadOnlySpan<byte> bytes)
    {
        _hash.AppendData(bytes);
        _position += bytes.Length;

        // Checked when the last byte arrives (or the file ends early), before the caller sees it.
        if (!_checked && (_position >= _length || bytes.IsEmpty))
        {
            _checked = true;
            var matches = _position == _length && Sha256Digest.FromHash(_hash.GetHashAndReset()) == digest;
            if (!matches)
            {
                Corrupt = true;
                inner.Dispose();
                onCorrupt();
                throw new CorruptBlobException(digest);
            }
        }

        return bytes.Length;
    }
}

/// <summary>A blob read from the content store did not match its digest; it has been quarantined.</summary>
public sealed class CorruptBlobException(Sha256Digest digest)
    : IOException($"The cached blob sha256 {digest} does not match its digest; it was quarantined.")
{
    /// <summary>The blob's digest.</summary>
    public Sha256Digest Digest { get; } = digest;
}
