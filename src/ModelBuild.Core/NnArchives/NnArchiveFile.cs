using System.Formats.Tar;
using System.IO.Compression;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Streams;
using SharpCompress.Compressors.Xz;

namespace ModelBuild.Core.NnArchives;

/// <summary>
/// An NN Archive on disk, as Luxonis ModelConverter writes and reads it: a tar, plain or compressed with xz
/// (its default) or gzip, holding <c>config.json</c> and the model files. The compression is told by the
/// file's first bytes, not its name. Nothing is ever extracted to disk: the config and the one model file
/// are streamed out of the archive, and a member path that is rooted or climbs out with <c>..</c> is refused.
/// </summary>
public sealed class NnArchiveFile(string path)
{
    // config.json is a few kilobytes; anything near this is not an NN Archive's config.
    private const int MaxConfigBytes = 16 << 20;
    private static readonly string[] Suffixes = [".tar.xz", ".tar.gz", ".tgz", ".tar"];

    /// <summary>The archive's absolute path.</summary>
    public string FullPath { get; } = Path.GetFullPath(path);

    /// <summary>True for the names ModelConverter accepts as an archive instead of a YAML config.</summary>
    public static bool HasArchiveName(string path) =>
        Suffixes.Any(s => path.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads <c>config.json</c>.</summary>
    /// <exception cref="DiagnosticException">MB2080 unreadable, MB2081 no config, MB2082 invalid config.</exception>
    public NnArchiveConfig ReadConfig(SourceLocation? at = null)
    {
        var json = Read(tar =>
        {
            while (NextEntry(tar, at) is { } entry)
            {
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && MemberName(entry.Name) == "config.json")
                {
                    if (entry.Length > MaxConfigBytes)
                    {
                        throw new DiagnosticException(NnArchiveDiagnostics.ConfigInvalid
                            .Create(at ?? new SourceLocation(FullPath), FullPath, $"it is {entry.Length} bytes"));
                    }

                    using var buffer = new MemoryStream();
                    entry.DataStream?.CopyTo(buffer);
                    return buffer.ToArray();
                }
            }

            return null;
        }, at) ?? throw new DiagnosticException(NnArchiveDiagnostics.ConfigMissing.Create(at ?? new SourceLocation(FullPath), FullPath));
        try
        {
            return NnArchiveConfig.Parse(json);
        }
        catch (FormatException e)
        {
            throw new DiagnosticException(
                NnArchiveDiagnostics.ConfigInvalid.Create(at ?? new SourceLocation(FullPath), FullPath, e.Message),
                e);
        }
    }

    /// <summary>Hands the content of the archive's file <paramref name="member"/> to <paramref name="consume"/>, as a forward-only
    /// stream.</summary>
    /// <exception cref="DiagnosticException">MB2080 unreadable, MB2083 no such file, MB2084 an unsafe member path.</exception>
    public async Task<T> ReadMemberAsync<T>(string member, Func<Stream, Task<T>> consume, SourceLocation? at = null)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(consume);
        var wanted = MemberName(member);
        if (wanted.Length == 0 || Path.IsPathRooted(member) || wanted.Split('/').Any(part => part is ".." or ""))
        {
            throw new DiagnosticException(
                NnArchiveDiagnostics.MemberPathUnsafe.Create(at ?? new SourceLocation(FullPath), member, FullPath));
        }

        var names = new List<string>();
        using var stream = Open(at);
        using var tar = new TarReader(stream);
        while (NextEntry(tar, at) is { } entry)
        {
            var name = MemberName(entry.Name);
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
            {
                continue;
            }

            if (name == wanted)
            {
                try
                {
                    return await consume(new ExactLengthStream(entry.DataStream ?? Stream.Null, entry.Length, wanted)).ConfigureAwait(
                        false);
                }
                catch (Exception e) when (IsCorruption(e))
                {
                    throw Unreadable(at, e.Message, e);
                }
            }

            names.Add(name);
        }

        var listed = names.Count == 0
            ? "no files"
            : string.Join(", ", names.Take(10)) + (names.Count > 10 ? $" and {names.Count - 10} more" : "");
        throw new DiagnosticException(
            NnArchiveDiagnostics.MemberMissing.Create(at ?? new SourceLocation(FullPath), member, FullPath, listed));
    }

    // "./model.onnx" and "model.onnx" are the same member; tar names always use '/'.
    private static string MemberName(string name) => name.StartsWith("./", StringComparison.Ordinal) ? name[2..] : name;

    private T? Read<T>(Func<TarReader, T?> read, SourceLocation? at)
    {
        using var stream = Open(at);
        using var tar = new TarReader(stream);
        return read(tar);
    }

    private TarEntry? NextEntry(TarReader tar, SourceLocation? at)
    {
        try
        {
            return tar.GetNextEntry(copyData: false);
        }
        catch (Exception e) when (IsCorruption(e) || e is FormatException or IOException or NotSupportedException)
        {
            throw Unreadable(at, e.Message, e);
        }
    }

    private Stream Open(SourceLocation? at)
    {
        FileStream file;
        try
        {
            file = new FileStream(FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(at, e.Message, e);
        }

        try
        {
            Span<byte> magic = stackalloc byte[6];
            var read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            file.Position = 0;
            if (read >= 2 && magic[0] == 0x1F && magic[1] == 0x8B)
            {
                return new GZipStream(file, CompressionMode.Decompress);
            }

            return read == magic.Length && magic.SequenceEqual(XzMagic) ? new XZStream(file) : file;
        }
        catch (Exception e) when (e is IOException || IsCorruption(e))
        {
            file.Dispose();
            throw Unreadable(at, e.Message, e);
        }
    }

    // What a damaged compressed stream throws: the decompressors' own errors, an early end, and (SharpCompress's
    // xz header reader on a cut header) an argument error from deep inside it.
    private static bool IsCorruption(Exception e) =>
        e is InvalidDataException or EndOfStreamException or ArgumentOutOfRangeException or SharpCompress.Common.SharpCompressException;

    private static ReadOnlySpan<byte> XzMagic => [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00];

    private DiagnosticException Unreadable(SourceLocation? at, string reason, Exception inner) =>
        new(NnArchiveDiagnostics.ArchiveUnreadable.Create(at ?? new SourceLocation(FullPath), FullPath, reason), inner);

    /// <summary>A member's content that must be as long as its tar header says: a decompressor that stops early (a cut archive) is an
    /// error, not a short file.</summary>
    private sealed class ExactLengthStream(Stream inner, long expectedLength, string member) : ObservedReadStream(inner)
    {
        private long _read;

        public override long Length => expectedLength;

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        protected override void Observe(ReadOnlySpan<byte> chunk, int requested)
        {
            if (chunk.IsEmpty && requested > 0 && _read < expectedLength)
            {
                throw new EndOfStreamException($"the archive ends {expectedLength - _read} bytes before the end of {member}");
            }

            _read += chunk.Length;
        }
    }
}
