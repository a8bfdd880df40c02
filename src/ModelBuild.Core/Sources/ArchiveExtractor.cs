using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>The archive formats ModelBuild unpacks (Open Model Zoo's <c>unpack_archive</c> names: zip, tar, gztar; and xztar).</summary>
public enum ArchiveFormat
{
    Zip,
    Tar,
    TarGz,

    /// <summary>A tar compressed with xz (<c>.tar.xz</c>), ModelConverter's NN Archive default.</summary>
    TarXz,
}

/// <summary>
/// Bounds on what an archive may expand to, against decompression bombs: total bytes written,
/// entries, and the ratio of bytes written to the archive's own size (checked once more than
/// <see cref="RatioFloorBytes"/> are out, so small archives of small files are never refused).
/// </summary>
public sealed record ArchiveLimits(long MaxTotalBytes, int MaxEntries, double MaxRatio)
{
    public static ArchiveLimits Default { get; } = new(MaxTotalBytes: 32L << 30, MaxEntries: 200_000, MaxRatio: 250);

    /// <summary>Output below this size is never a bomb, whatever the ratio.</summary>
    public long RatioFloorBytes { get; init; } = 64L << 20;
}

/// <summary>
/// Unpacks zip, tar, tar.gz and tar.xz archives without trusting them: an entry with an absolute path, a
/// drive, or a <c>..</c> part, a link whose target leaves the folder, a device or FIFO, more bytes
/// or entries than the limits, or a ratio beyond them stops the extraction. Everything is unpacked
/// into a staging folder first and moved into place only when the whole archive passed, so a
/// refused archive leaves nothing behind.
/// </summary>
public sealed class ArchiveExtractor(ArchiveLimits limits)
{
    public ArchiveExtractor()
        : this(ArchiveLimits.Default)
    {
    }

    /// <summary>Reads Open Model Zoo's (and Python's <c>shutil</c>) format names.</summary>
    public static bool TryParseFormat(string name, out ArchiveFormat format)
    {
        switch (name)
        {
            case "zip":
                format = ArchiveFormat.Zip;
                return true;
            case "tar":
                format = ArchiveFormat.Tar;
                return true;
            case "gztar":
                format = ArchiveFormat.TarGz;
                return true;
            case "xztar":
                format = ArchiveFormat.TarXz;
                return true;
            default:
                format = default;
                return false;
        }
    }

    /// <summary>Unpacks <paramref name="archivePath"/> into <paramref name="destination"/>; returns the files written, relative, with
    /// '/'.</summary>
    /// <param name="archivePath">The archive file.</param>
    /// <param name="format">How it is packed.</param>
    /// <param name="destination">The folder the files go into.</param>
    /// <param name="at">Where the archive is named, for diagnostics.</param>
    /// <param name="displayName">The archive's name in diagnostics (a cached blob's source's file name); default the file's name.</param>
    /// <param name="cancellationToken">Stops unpacking; nothing is left behind.</param>
    /// <exception cref="DiagnosticException">The archive is unsafe, too large or unreadable; nothing was written.</exception>
    public async Task<IReadOnlyList<string>> ExtractAsync(
        string archivePath,
        ArchiveFormat format,
        string destination,
        SourceLocation? at = null,
        string? displayName = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archivePath);
        ArgumentNullException.ThrowIfNull(destination);
        var target = Path.GetFullPath(destination);
        Directory.CreateDirectory(target);
        var staging = Path.Combine(target, ".modelbuild-unpack-" + Guid.NewGuid().ToString("N")[..12]);
        var shown = displayName ?? Path.GetFileName(archivePath);
        Directory.CreateDirectory(staging);
        try
        {
            var budget = new Budget(limits, new FileInfo(archivePath).Length, shown, at);
            var written = format == ArchiveFormat.Zip
                ? await ExtractZipAsync(archivePath, shown, staging, budget, at, cancellationToken).ConfigureAwait(false)
                : await ExtractTarAsync(archivePath, shown, format, staging, budget, at, cancellationToken).ConfigureAwait(false);
            MoveInto(staging, target);
            return [.. written.Order(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or NotSupportedException
            or SharpCompress.Common.SharpCompressException)
        {
            throw new DiagnosticException(
                SourceDiagnostics.ArchiveUnreadable.Create(at, shown, format, e.Message),
                e);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>The entry's path relative to the extraction folder, '/' separated; throws for anything that could leave it.</summary>
    internal static string SafeRelativePath(string entryName, string archive, SourceLocation? at)
    {
        var name = entryName.Replace('\\', '/');
        if (name.StartsWith('/') || (name.Length >= 2 && name[1] == ':') || name.Contains('\0', StringComparison.Ordinal))
        {
            throw Unsafe(entryName, archive, at, "an absolute path");
        }

        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        if (parts.Contains(".."))
        {
            throw Unsafe(entryName, archive, at, "a '..' part");
        }

        return string.Join('/', parts);
    }

    private static async Task<List<string>> ExtractZipAsync(
        string archivePath,
        string archiveName,
        string staging,
        Budget budget,
        SourceLocation? at,
        CancellationToken cancellationToken)
    {
        var written = new List<string>();
        using var zip = ZipFile.OpenRead(archivePath);
        foreach (var entry in zip.Entries)
        {
            budget.CountEntry();
            var relative = SafeRelativePath(entry.FullName, archiveName, at);
            if (relative.Length == 0)
            {
                continue;
            }

            var path = Resolve(staging, relative, entry.FullName, archiveName, at);
            if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\'))
            {
                Directory.CreateDirectory(path);
                continue;
            }

            // Unix symlinks in zips carry mode 0120000 in the external attributes; never follow or create them.
            if (((entry.ExternalAttributes >> 16) & 0xF000) == 0xA000)
            {
                throw Unsafe(entry.FullName, archiveName, at, "a symbolic link (zip archives may not hold links)");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var input = entry.Open();
            await using (input.ConfigureAwait(false))
            {
                await budget.CopyAsync(input, path, cancellationToken).ConfigureAwait(false);
            }

            written.Add(relative);
        }

        return written;
    }

    private static async Task<List<string>> ExtractTarAsync(
        string archivePath,
        string archiveName,
        ArchiveFormat format,
        string staging,
        Budget budget,
        SourceLocation? at,
        CancellationToken cancellationToken)
    {
        var written = new List<string>();
        var file = new FileStream(
            archivePath,
            FileMode.Open,
            FileAccess.Read,
            FileShare.Read,
            1 << 16,
            FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            Stream input = format switch
            {
                ArchiveFormat.TarGz => new GZipStream(file, CompressionMode.Decompress),
                ArchiveFormat.TarXz => new SharpCompress.Compressors.Xz.XZStream(file),
                _ => file,
            };
            await using (input.ConfigureAwait(false))
            {
                var reader = new TarReader(input);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                    {
                        if (entry.EntryType is TarEntryType.GlobalExtendedAttributes)
                        {
                            continue;
                        }

                        budget.CountEntry();
                        var relative = SafeRelativePath(entry.Name, archiveName, at);
                        if (relative.Length == 0)
                        {
                            continue;
                        }

                        var path = Resolve(staging, relative, entry.Name, archiveName, at);
                        switch (entry.EntryType)
                        {
                            case TarEntryType.Directory:
                                Directory.CreateDirectory(path);
                                break;
                            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                                await budget.CopyAsync(entry.DataStream ?? Stream.Null, path, cancellationToken).ConfigureAwait(false);
                                written.Add(relative);
                                break;
                            case TarEntryType.SymbolicLink:
                                // The target is relative to the link's folder; it must stay inside the extraction folder.
                                var linkTarget = entry.LinkName.Replace('\\', '/');
                                if (linkTarget.StartsWith('/'))
                                {
                                    throw Unsafe(entry.Name, archiveName, at, $"a link to the absolute path '{entry.LinkName}'");
                                }

                                var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, linkTarget));
                                if (!IsInside(staging, resolved))
                                {
                                    throw Unsafe(entry.Name, archiveName, at, $"a link to '{entry.LinkName}', outside the folder");
                                }

                                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                                File.CreateSymbolicLink(path, linkTarget);
                                written.Add(relative);
                                break;
                            case TarEntryType.HardLink:
                                var source = Resolve(
                                    staging,
                                    SafeRelativePath(entry.LinkName, archiveName, at),
                                    entry.LinkName,
                                    archiveName,
                                    at);
                                if (!File.Exists(source))
                                {
                                    throw Unsafe(
                                        entry.Name,
                                        archiveName,
                                        at,
                                        $"a hard link to '{entry.LinkName}', which is not an earlier file of the archive");
                                }

                                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                                var copy = new FileStream(
                                    source,
                                    FileMode.Open,
                                    FileAccess.Read,
                                    FileShare.Read,
                                    1 << 16,
                                    FileOptions.Asynchronous);
                                await using (copy.ConfigureAwait(false))
                                {
                                    await budget.CopyAsync(copy, path, cancellationToken).ConfigureAwait(false);
                                }

                                written.Add(relative);
                                break;
                            default:
                                throw Unsafe(
                                    entry.Name,
                                    archiveName,
                                    at,
                                    $"a {entry.EntryType} entry, which an archive of model files has no use for");
                        }
                    }
                }
            }
        }

        return written;
    }

    private static string Resolve(string staging, string relative, string entryName, string archive, SourceLocation? at)
    {
        var path = Path.GetFullPath(Path.Combine(staging, relative.Replace('/', Path.DirectorySeparatorChar)));
        if (!IsInside(staging, path))
        {
            throw Unsafe(entryName, archive, at, "a path outside the folder");
        }

        // A link unpacked earlier could point a later entry's parent folder elsewhere.
        for (
            var parent = Path.GetDirectoryName(path);
            parent is not null && parent.Length > staging.Length;
            parent = Path.GetDirectoryName(parent))
        {
            if (new DirectoryInfo(parent).LinkTarget is not null)
            {
                throw Unsafe(entryName, archive, at, "a path through a link");
            }
        }

        return path;
    }

    private static bool IsInside(string folder, string path) =>
        path.StartsWith(
            folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar,
            OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static void MoveInto(string staging, string target)
    {
        foreach (var entry in new DirectoryInfo(staging).EnumerateFileSystemInfos())
        {
            var destination = Path.Combine(target, entry.Name);
            if (entry is DirectoryInfo directory && Directory.Exists(destination) && new DirectoryInfo(destination).LinkTarget is null)
            {
                MoveInto(directory.FullName, destination);
                continue;
            }

            if (File.Exists(destination) || Directory.Exists(destination))
            {
                if (Directory.Exists(destination))
                {
                    Directory.Delete(destination, recursive: true);
                }
                else
                {
                    File.Delete(destination);
                }
            }

            if (entry is DirectoryInfo)
            {
                Directory.Move(entry.FullName, destination);
            }
            else
            {
                File.Move(entry.FullName, destination);
            }
        }
    }

    private static DiagnosticException Unsafe(string entry, string archive, SourceLocation? at, string reason) =>
        new(SourceDiagnostics.UnsafeArchiveEntry.Create(at, entry, archive, reason));

    /// <summary>Counts what an extraction writes against the limits.</summary>
    private sealed class Budget(ArchiveLimits limits, long archiveSize, string archiveName, SourceLocation? at)
    {
        private long _written;
        private int _entries;

        public void CountEntry()
        {
            if (++_entries > limits.MaxEntries)
            {
                throw TooLarge(string.Create(CultureInfo.InvariantCulture, $"more than {limits.MaxEntries} entries"));
            }
        }

        public async Task CopyAsync(Stream input, string path, CancellationToken cancellationToken)
        {
            var buffer = new byte[1 << 16];
            var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (output.ConfigureAwait(false))
            {
                int read;
                while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    _written += read;
                    if (_written > limits.MaxTotalBytes)
                    {
                        throw TooLarge(string.Create(CultureInfo.InvariantCulture, $"more than {limits.MaxTotalBytes} bytes"));
                    }

                    if (_written > limits.RatioFloorBytes && _written > archiveSize * limits.MaxRatio)
                    {
                        throw TooLarge(string.Create(
                            CultureInfo.InvariantCulture,
                            $"more than {limits.MaxRatio} times its own size of {archiveSize} bytes"));
                    }

                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private DiagnosticException TooLarge(string reason) =>
            new(SourceDiagnostics.ArchiveTooLarge.Create(at, archiveName, reason));
    }
}
