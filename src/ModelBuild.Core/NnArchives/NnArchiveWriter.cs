using System.Formats.Tar;

namespace ModelBuild.Core.NnArchives;

/// <summary>
/// Writes NN Archives: a tar holding the model files, <c>buildinfo.json</c> and <c>config.json</c> (in
/// that order, as luxonis-ml's generator adds them), compressed with xz as ModelConverter does by default
/// (liblzma, preset 6, CRC64: <see cref="XzEncoderStream"/>). Entries carry fixed times, owners and modes,
/// so the same files always give the same archive bytes.
/// </summary>
public static class NnArchiveWriter
{
    /// <summary>The archive's file name: <c>name.target.tar.xz</c>, as ModelConverter names it.</summary>
    public static string FileName(string modelName, string target) => $"{modelName}.{target}.tar.xz";

    /// <summary>What decides the container's bytes besides its files, for action keys: <c>tar.xz (liblzma 5.4.1)</c>.</summary>
    public static string Format => $"tar.xz (liblzma {XzEncoderStream.EncoderVersion ?? "not found"})";

    /// <summary>Writes the archive to <paramref name="path"/>.</summary>
    /// <exception cref="Diagnostics.DiagnosticException">MB2140: liblzma is not found; nothing is written.</exception>
    /// <param name="path">The archive file.</param>
    /// <param name="config">Its config.json.</param>
    /// <param name="files">Files stored at the archive's root under their file names (model files, then buildinfo.json).</param>
    public static void Write(string path, NnArchiveConfig config, IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(files);
        XzEncoderStream.ThrowIfUnavailable(path);
        using var output = File.Create(path);
        using (var xz = new XzEncoderStream(output, path))
        using (var tar = new TarWriter(xz, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var file in files)
            {
                using var content = File.OpenRead(file);
                tar.WriteEntry(Entry(Path.GetFileName(file), content));
            }

            using var json = new MemoryStream(config.ToJson());
            tar.WriteEntry(Entry("config.json", json));
        }
    }

    private static UstarTarEntry Entry(string name, Stream content) => new(TarEntryType.RegularFile, name)
    {
        DataStream = content,
        ModificationTime = DateTimeOffset.UnixEpoch,
        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        Uid = 0,
        Gid = 0,
        UserName = string.Empty,
        GroupName = string.Empty,
    };
}
