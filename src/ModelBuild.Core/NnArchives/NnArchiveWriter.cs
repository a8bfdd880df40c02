using System.Formats.Tar;
using System.IO.Compression;

namespace ModelBuild.Core.NnArchives;

/// <summary>
/// Writes NN Archives: a tar holding the model files, <c>buildinfo.json</c> and <c>config.json</c> (in
/// that order, as luxonis-ml's generator adds them). ModelConverter compresses with xz by default; .NET
/// has no xz encoder, so ModelBuild writes gzip — one of the three compressions luxonis-ml offers and one
/// DepthAI reads (it detects the format from the content). Entries carry fixed times, owners and modes,
/// so the same files always give the same archive bytes.
/// </summary>
public static class NnArchiveWriter
{
    /// <summary>The archive's file name: <c>name.target.tar.gz</c>.</summary>
    public static string FileName(string modelName, string target) => $"{modelName}.{target}.tar.gz";

    /// <summary>Writes the archive to <paramref name="path"/>.</summary>
    /// <param name="path">The archive file.</param>
    /// <param name="config">Its config.json.</param>
    /// <param name="files">Files stored at the archive's root under their file names (model files, then buildinfo.json).</param>
    public static void Write(string path, NnArchiveConfig config, IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(files);
        using var output = File.Create(path);
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: true))
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
