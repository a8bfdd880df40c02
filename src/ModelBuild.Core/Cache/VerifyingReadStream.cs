using System.Security.Cryptography;
using ModelBuild.Core.Streams;

namespace ModelBuild.Core.Cache;

/// <summary>
/// A read-only stream over a blob that hashes what passes through and, before it hands out the bytes
/// that complete the blob, checks the digest: a corrupt blob never reaches its reader whole. On a
/// mismatch it calls <c>onCorrupt</c> once and throws <see cref="CorruptBlobException"/>. Owns the inner stream.
/// </summary>
internal sealed class VerifyingReadStream(Stream inner, Sha256Digest digest, Action onCorrupt) : ObservedReadStream(inner)
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly long _length = inner.Length;
    private long _position;
    private bool _checked;

    /// <summary>True once the content was found not to match its digest.</summary>
    public bool Corrupt { get; private set; }

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override void Observe(ReadOnlySpan<byte> chunk, int requested)
    {
        _hash.AppendData(chunk);
        _position += chunk.Length;

        // Checked when the last byte arrives (or the file ends early), before the caller sees it.
        if (!_checked && (_position >= _length || chunk.IsEmpty))
        {
            _checked = true;
            var matches = _position == _length && Sha256Digest.FromHash(_hash.GetHashAndReset()) == digest;
            if (!matches)
            {
                Corrupt = true;
                Inner.Dispose();
                onCorrupt();
                throw new CorruptBlobException(digest);
            }
        }
    }
}

/// <summary>A blob read from the content store did not match its digest; it has been quarantined.</summary>
public sealed class CorruptBlobException(Sha256Digest digest)
    : IOException($"The cached blob sha256 {digest} does not match its digest; it was quarantined.")
{
    /// <summary>The blob's digest.</summary>
    public Sha256Digest Digest { get; } = digest;
}
