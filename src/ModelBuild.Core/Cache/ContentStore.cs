using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Cache;

/// <summary>
/// The content-addressed store: blobs named by their SHA-256 under <c>cas/sha256/</c>.
/// Reads hand out verified content only: a blob is re-hashed when this process first touches it,
/// unless a stamp recorded by a full hash less than <see cref="FullVerificationInterval"/> ago still
/// matches the file's size and time stamp (and again whenever those change); a blob that fails is
/// moved to <c>quarantine/</c> and reported as absent. <c>modelbuild cache verify</c> re-hashes
/// everything. Writes go to <c>tmp/</c>, are hashed while written, flushed, checked, and only then
/// renamed into place, so <c>cas/</c> never holds a partial or unexpected blob. The empty blob
/// always exists.
/// </summary>
public sealed class ContentStore
{
    /// <summary>How long a recorded stamp may stand in for hashing a blob's bytes again.</summary>
    public static readonly TimeSpan FullVerificationInterval = TimeSpan.FromDays(1);

    // A blob's last use is rewritten at most this often, so warm builds do not write a stamp per read.
    private static readonly TimeSpan UseRecordingInterval = TimeSpan.FromMinutes(10);

    private const int CopyBufferSize = 1 << 16;

    private readonly CacheLayout _layout;
    private readonly BlobStamps _stamps;
    private readonly Action<Diagnostic>? _report;

    // Digest → the file stamp seen when this process last verified the blob's bytes.
    private readonly ConcurrentDictionary<Sha256Digest, FileStamp> _verified = new();
    private int _commits;

    internal ContentStore(CacheLayout layout, Action<Diagnostic>? report)
    {
        _layout = layout;
        _stamps = new BlobStamps(layout);
        _report = report;
    }

    /// <summary>The blobs this process has read or written, which eviction must leave alone.</summary>
    internal IEnumerable<Sha256Digest> TouchedByThisProcess => _verified.Keys;

    internal BlobStamps Stamps => _stamps;

    /// <summary>Blobs this process has added to the store.</summary>
    internal int Commits => Volatile.Read(ref _commits);

    /// <summary>True if the store holds a verified blob with this digest.</summary>
    public bool Contains(Sha256Digest digest) => Find(digest) is not null;

    /// <summary>The verified blob with this digest (its size included), or null.</summary>
    public StoredBlob? Find(Sha256Digest digest)
    {
        using var stream = TryOpen(digest);
        return stream is null ? null : new StoredBlob(digest, stream.Length);
    }

    /// <summary>
    /// The path of the verified blob with this digest. Callers only read the file; it is shared by
    /// every build on the machine.
    /// </summary>
    public bool TryGetPath(Sha256Digest digest, [NotNullWhen(true)] out string? path)
    {
        using var stream = TryOpen(digest);
        path = stream is null ? null : _layout.BlobPath(digest);
        return path is not null;
    }

    /// <summary>Opens the verified blob with this digest for reading, or returns null.</summary>
    public Stream? TryOpen(Sha256Digest digest)
    {
        var path = _layout.BlobPath(digest);
        FileStream stream;
        try
        {
            stream = OpenForRead(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            if (digest != Sha256Digest.Empty)
            {
                return null;
            }

            WriteEmptyBlob();
            stream = OpenForRead(path);
        }

        try
        {
            var stamp = FileStamp.Of(stream);
            if (_verified.TryGetValue(digest, out var seen) && seen == stamp)
            {
                return stream;
            }

            var now = DateTime.UtcNow;
            if (_stamps.TryRead(digest) is { } recorded
                && recorded.Matches(stamp.Length, stamp.LastWriteUtc)
                && now - recorded.VerifiedUtc < FullVerificationInterval
                && recorded.VerifiedUtc <= now)
            {
                _verified[digest] = stamp;
                if (now - recorded.LastUsedUtc >= UseRecordingInterval)
                {
                    _stamps.Write(digest, recorded with { LastUsedUtc = now });
                }

                return stream;
            }

            if (HashMatches(stream, digest))
            {
                _verified[digest] = stamp;
                _stamps.Write(digest, new BlobStamp(stamp.Length, stamp.LastWriteUtc.Ticks, now, now));
                return stream;
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        stream.Dispose();
        Quarantine(digest, path);
        return null;
    }

    /// <summary>
    /// Hashes the blob's bytes now, whatever its stamp says (<c>modelbuild cache verify</c>). A corrupt
    /// blob is moved to quarantine, with a warning.
    /// </summary>
    public BlobVerification VerifyNow(Sha256Digest digest)
    {
        var path = _layout.BlobPath(digest);
        FileStream stream;
        try
        {
            stream = OpenForRead(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return BlobVerification.Absent;
        }

        bool valid;
        using (stream)
        {
            var stamp = FileStamp.Of(stream);
            valid = HashMatches(stream, digest);
            if (valid)
            {
                var lastUsed = _stamps.TryRead(digest)?.LastUsedUtc ?? stamp.LastWriteUtc;
                _stamps.Write(digest, new BlobStamp(stamp.Length, stamp.LastWriteUtc.Ticks, DateTime.UtcNow, lastUsed));
            }
        }

        if (!valid)
        {
            Quarantine(digest, path);
        }

        return valid ? BlobVerification.Valid : BlobVerification.Corrupt;
    }

    /// <summary>
    /// Writes the blob into <paramref name="destination"/> (a new, empty file: a model's copy in
    /// <c>obj/</c>): a copy-on-write clone where the file system supports it, otherwise a byte copy.
    /// Never a hard link, so nothing done to the copy can change the cache. The bytes are hashed as
    /// they are copied (a stamp never stands in for that here): a blob that no longer matches its
    /// digest is quarantined, with warning MB3002. False when the store does not hold a valid blob
    /// with this digest; <paramref name="destination"/> then holds nothing to keep.
    /// </summary>
    public bool TryCopyTo(Sha256Digest digest, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var source = TryOpen(digest);
        if (source is null)
        {
            return false;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        // The clone is taken from the open handle, and the same handle is then hashed.
        var cloned = source is FileStream file && destination is FileStream target && target.Length == 0 && source.Length > 0
            && CloneInto(file, target);
        var length = CopyHashing(source, cloned ? null : destination, hash);
        if (length == source.Length && Sha256Digest.FromHash(hash.GetHashAndReset()) == digest)
        {
            return true;
        }

        source.Dispose();
        Quarantine(digest, _layout.BlobPath(digest));
        return false;
    }

    /// <summary>
    /// Opens the blob for sending elsewhere (the remote cache): the stream hashes what is read and, before
    /// handing out the last bytes, checks them against the digest. On a mismatch the blob is quarantined
    /// (MB3002) and the read fails with <see cref="CorruptBlobException"/>, so no receiver gets a whole
    /// corrupt blob. Null when the store does not hold the blob.
    /// </summary>
    internal Stream? TryOpenForTransfer(Sha256Digest digest)
    {
        var source = TryOpen(digest);
        return source is null ? null : new VerifyingReadStream(source, digest, () => Quarantine(digest, _layout.BlobPath(digest)));
    }

    private static bool CloneInto(FileStream source, FileStream target)
    {
        target.Flush();
        if (!Reflink.TryClone(source.SafeFileHandle, target.SafeFileHandle))
        {
            return false;
        }

        target.Seek(0, SeekOrigin.End);
        return true;
    }

    /// <summary>Reads <paramref name="source"/> to its end, hashing it, and writes it to <paramref name="destination"/> unless that is
    /// null.</summary>
    private static long CopyHashing(Stream source, Stream? destination, IncrementalHash hash)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long length = 0;
            int read;
            while ((read = source.Read(buffer, 0, CopyBufferSize)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                destination?.Write(buffer, 0, read);
                length += read;
            }

            return length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Removes a blob (eviction, <c>cache clear</c>); false when it was not there or is in use elsewhere.</summary>
    internal bool Remove(Sha256Digest digest)
    {
        _verified.TryRemove(digest, out _);
        try
        {
            File.Delete(_layout.BlobPath(digest));
            _stamps.Delete(digest);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // Hashes the same handle that is handed out, so nothing can swap the file in between.
    private static bool HashMatches(FileStream stream, Sha256Digest digest)
    {
        var matches = stream.Length == 0 ? digest == Sha256Digest.Empty : Sha256Digest.Compute(stream) == digest;
        stream.Position = 0;
        return matches;
    }

    /// <summary>
    /// Stores the rest of <paramref name="content"/>. With an expected digest or size, content that
    /// does not match is rejected with <see cref="CacheDiagnostics.ContentMismatch"/> and nothing
    /// is stored. If the blob is already present, the existing one is kept.
    /// </summary>
    /// <exception cref="DiagnosticException">The content does not match the expectation.</exception>
    public async Task<StoredBlob> PutAsync(
        Stream content,
        Sha256Digest? expectedDigest = null,
        long? expectedSize = null,
        CancellationToken cancellationToken = default)
    {
        var attempt = await TryPutAsync(content, expectedDigest, expectedSize, cancellationToken).ConfigureAwait(false);
        return attempt.Matched
            ? attempt.Actual
            : throw new DiagnosticException(
                CacheDiagnostics.ContentMismatch.Create(null, DescribeExpected(expectedDigest, expectedSize), attempt.Actual));
    }

    /// <summary>Stores <paramref name="content"/>; see <see cref="PutAsync(Stream, Sha256Digest?, long?, CancellationToken)"/>.</summary>
    public async Task<StoredBlob> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        using var stream = new MemoryStream(content.ToArray(), writable: false);
        return await PutAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies a file into the store; see <see cref="PutAsync(Stream, Sha256Digest?, long?, CancellationToken)"/>.</summary>
    public async Task<StoredBlob> PutFileAsync(
        string path,
        Sha256Digest? expectedDigest = null,
        long? expectedSize = null,
        CancellationToken cancellationToken = default)
    {
        var stream = new FileStream(
            path,
            FileMode.Open,
            FileAccess.Read,
            FileShare.Read,
            CopyBufferSize,
            FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            return await PutAsync(stream, expectedDigest, expectedSize, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stores the content if it matches; otherwise deletes what was staged and reports what
    /// actually arrived, so callers (sources) can word their own diagnostic. <paramref name="accept"/>, when
    /// given, is asked after the whole content was read and before it is stored (other digests the caller
    /// computed while the store read it); false rejects it like a mismatch.
    /// </summary>
    internal async Task<PutAttempt> TryPutAsync(
        Stream content,
        Sha256Digest? expectedDigest,
        long? expectedSize,
        CancellationToken cancellationToken,
        Func<bool>? accept = null)
    {
        var temp = _layout.NewTempPath(".blob");
        try
        {
            Directory.CreateDirectory(_layout.TempDirectory);
            var (actual, size) = await WriteAndHashAsync(content, temp, cancellationToken).ConfigureAwait(false);
            return CommitIfExpected(temp, new StoredBlob(actual, size), expectedDigest, expectedSize, accept?.Invoke() != false);
        }
        catch (Exception e) when (StorageFailure.TryDescribe(e, temp) is { } failure)
        {
            TryDelete(temp);
            throw new DiagnosticException(failure, e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Stores what <paramref name="write"/> writes (a download from a remote cache) if it matches the
    /// expected digest and size: hashed while written, flushed, checked, then renamed into place.
    /// <paramref name="write"/> returns false when it has nothing to write (a remote miss).
    /// </summary>
    internal async Task<PutAttempt?> TryPutFromAsync(
        Func<Stream, CancellationToken, Task<bool>> write,
        Sha256Digest expectedDigest,
        long? expectedSize,
        CancellationToken cancellationToken)
    {
        var temp = _layout.NewTempPath(".blob");
        try
        {
            Directory.CreateDirectory(_layout.TempDirectory);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size;
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferSize, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                var hashing = new HashingWriteStream(file, hash);
                if (!await write(hashing, cancellationToken).ConfigureAwait(false))
                {
                    size = -1;
                }
                else
                {
                    size = hashing.Written;
                    await file.FlushAsync(cancellationToken).ConfigureAwait(false);

                    // On disk before the rename makes it visible, as for every other write.
                    file.Flush(flushToDisk: true);
                }
            }

            if (size < 0)
            {
                File.Delete(temp);
                return null;
            }

            return CommitIfExpected(
                temp,
                new StoredBlob(Sha256Digest.FromHash(hash.GetHashAndReset()), size),
                expectedDigest,
                expectedSize);
        }
        catch (Exception e) when (StorageFailure.TryDescribe(e, temp) is { } failure)
        {
            TryDelete(temp);
            throw new DiagnosticException(failure, e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Takes a finished file from the cache's <c>tmp/</c> into the store by rename, without copying it: a download
    /// whose writer computed <paramref name="digest"/> and <paramref name="size"/> over every byte as it wrote
    /// them. The file is flushed to disk before the rename, as for every other write. Content that does not match
    /// <paramref name="expectedDigest"/> or <paramref name="expectedSize"/> is deleted and nothing is stored.
    /// Either way the file is gone from <paramref name="path"/> afterwards.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is not under the cache's <c>tmp/</c>, or its length is not <paramref
    /// name="size"/>.</exception>
    internal PutAttempt AdoptFile(string path, Sha256Digest digest, long size, Sha256Digest? expectedDigest, long? expectedSize)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.GetFullPath(_layout.TempDirectory) + Path.DirectorySeparatorChar;
        if (!full.StartsWith(temp, StringComparison.Ordinal))
        {
            // A rename is only atomic, and only keeps the crash rules, within the cache's own file system.
            throw new ArgumentException($"Only files under {temp} can be adopted, not {full}.", nameof(path));
        }

        try
        {
            using (var file = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.None))
            {
                if (file.Length != size)
                {
                    throw new ArgumentException($"{full} holds {file.Length} bytes, not the {size} its writer hashed.", nameof(size));
                }

                // On disk before the rename makes it visible: a crash must not leave a short blob in cas/.
                file.Flush(flushToDisk: true);
            }

            return CommitIfExpected(full, new StoredBlob(digest, size), expectedDigest, expectedSize);
        }
        catch (Exception e) when (StorageFailure.TryDescribe(e, full) is { } failure)
        {
            TryDelete(full);
            throw new DiagnosticException(failure, e);
        }
        catch
        {
            TryDelete(full);
            throw;
        }
    }

    /// <summary><c>sha256 X (N bytes)</c>, <c>sha256 X</c> or <c>N bytes</c>.</summary>
    internal static string DescribeExpected(Sha256Digest? digest, long? size) => (digest, size) switch
    {
        ({ } d, { } s) => new StoredBlob(d, s).ToString(),
        ({ } d, null) => $"sha256 {d}",
        (null, { } s) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{s} bytes"),
        _ => "anything",
    };

    /// <summary>Makes sure the empty blob is on disk (Bazel's convention: it always exists).</summary>
    internal void WriteEmptyBlob()
    {
        var path = _layout.BlobPath(Sha256Digest.Empty);
        if (File.Exists(path))
        {
            return;
        }

        Directory.CreateDirectory(_layout.TempDirectory);
        var temp = _layout.NewTempPath(".blob");
        StorageFailure.Guard(temp, () =>
        {
            File.WriteAllBytes(temp, []);
            Commit(temp, Sha256Digest.Empty);
            return true;
        });
    }

    private static FileStream OpenForRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, CopyBufferSize, FileOptions.SequentialScan);

    private static async Task<(Sha256Digest Digest, long Size)> WriteAndHashAsync(
        Stream content,
        string temp,
        CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        long size = 0;
        try
        {
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                int read;
                while ((read = await content.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    size += read;
                }

                // On disk before the rename makes it visible: a crash must not leave a short blob in cas/.
                file.Flush(flushToDisk: true);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (Sha256Digest.FromHash(hash.GetHashAndReset()), size);
    }

    /// <summary>
    /// Renames the staged <paramref name="temp"/> into the store when what <paramref name="arrived"/> matches the
    /// expected digest and size (and the caller <paramref name="accepted"/> it); deletes it otherwise.
    /// </summary>
    private PutAttempt CommitIfExpected(
        string temp,
        StoredBlob arrived,
        Sha256Digest? expectedDigest,
        long? expectedSize,
        bool accepted = true)
    {
        if ((expectedDigest is { } d && d != arrived.Digest) || (expectedSize is { } s && s != arrived.Size) || !accepted)
        {
            File.Delete(temp);
            return new PutAttempt(arrived, Matched: false);
        }

        Commit(temp, arrived.Digest);
        return new PutAttempt(arrived, Matched: true);
    }

    private void Commit(string temp, Sha256Digest digest)
    {
        var path = _layout.BlobPath(digest);
        if (File.Exists(path))
        {
            // TryOpen quarantines an invalid existing blob, which frees the name for ours.
            using var existing = TryOpen(digest);
            if (existing is not null)
            {
                File.Delete(temp);
                return;
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another writer renamed the same content into place first; its bytes have the same digest.
            File.Delete(temp);
            return;
        }

        CrashPoint.Reached(CrashPoint.BlobWritten);
        var written = FileStamp.Of(new FileInfo(path));
        _verified[digest] = written;
        Interlocked.Increment(ref _commits);
        var now = DateTime.UtcNow;
        _stamps.Write(digest, new BlobStamp(written.Length, written.LastWriteUtc.Ticks, now, now));
    }

    private void Quarantine(Sha256Digest digest, string path)
    {
        _verified.TryRemove(digest, out _);
        _stamps.Delete(digest);
        var target = _layout.NewQuarantinePath(digest.Hex);
        try
        {
            Directory.CreateDirectory(_layout.QuarantineDirectory);
            File.Move(path, target);
        }
        catch (FileNotFoundException)
        {
            return; // Another process moved it first.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Cannot keep it for inspection; at least make sure nobody reads it again.
            TryDelete(path);
            target = "(deleted: " + e.Message + ")";
        }

        _report?.Invoke(CacheDiagnostics.CorruptBlobQuarantined.Create(null, digest, target));
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the stale-temp sweep at the next start-up.
        }
    }

    /// <summary>What a file looked like when it was verified; a change means verify again.</summary>
    private readonly record struct FileStamp(long Length, DateTime LastWriteUtc)
    {
        public static FileStamp Of(FileStream stream) => new(stream.Length, File.GetLastWriteTimeUtc(stream.SafeFileHandle));

        public static FileStamp Of(FileInfo file) => new(file.Length, file.LastWriteTimeUtc);
    }
}

/// <summary>What a full check of one blob found.</summary>
public enum BlobVerification
{
    /// <summary>The bytes match the digest.</summary>
    Valid,

    /// <summary>They do not; the blob was moved to quarantine.</summary>
    Corrupt,

    /// <summary>No such blob.</summary>
    Absent,
}

/// <summary>The outcome of <see cref="ContentStore.TryPutAsync"/>: what arrived, and whether it was stored.</summary>
internal readonly record struct PutAttempt(StoredBlob Actual, bool Matched);
