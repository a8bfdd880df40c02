using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelBuild.Core.Toolchains;

/// <summary>The preprocessing block of an NN Archive input; DepthAI sets up its pipeline from <see cref="DaiType"/>.</summary>
public sealed record NnArchivePreprocessing(IReadOnlyList<double>? Mean, IReadOnlyList<double>? Scale, bool? ReverseChannels, bool? InterleavedToPlanar, string? DaiType);

/// <summary>One input of an NN Archive: <see cref="InputType"/> is <c>image</c> or <c>raw</c>.</summary>
public sealed record NnArchiveInput(string Name, string DType, string InputType, IReadOnlyList<long> Shape, string Layout, NnArchivePreprocessing Preprocessing);

/// <summary>One output of an NN Archive.</summary>
public sealed record NnArchiveOutput(string Name, string DType, IReadOnlyList<long>? Shape, string? Layout);

/// <summary>
/// An NN Archive's <c>config.json</c> (schema version 1.0 of luxonis-ml): the model's name, the archive-relative
/// path of its executable and its precision, its inputs and outputs, and its heads (none: raw outputs).
/// </summary>
public sealed record NnArchiveConfig(string Name, string ModelPath, string Precision, IReadOnlyList<NnArchiveInput> Inputs, IReadOnlyList<NnArchiveOutput> Outputs)
{
    /// <summary>The schema version written.</summary>
    public const string ConfigVersion = "1.0";

    /// <summary>The JSON luxonis-ml writes: keys in its order, every field present (null when unset), four-space indents.</summary>
    public byte[] ToJson()
    {
        var root = new JsonObject
        {
            ["config_version"] = ConfigVersion,
            ["model"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = Name, ["path"] = ModelPath, ["precision"] = Precision },
                ["inputs"] = new JsonArray([.. Inputs.Select(i => (JsonNode)new JsonObject
                {
                    ["name"] = i.Name,
                    ["dtype"] = i.DType,
                    ["input_type"] = i.InputType,
                    ["shape"] = Numbers(i.Shape),
                    ["layout"] = i.Layout,
                    ["preprocessing"] = new JsonObject
                    {
                        ["mean"] = i.Preprocessing.Mean is { } mean ? new JsonArray([.. mean.Select(v => (JsonNode)JsonValue.Create(v))]) : null,
                        ["scale"] = i.Preprocessing.Scale is { } scale ? new JsonArray([.. scale.Select(v => (JsonNode)JsonValue.Create(v))]) : null,
                        ["reverse_channels"] = i.Preprocessing.ReverseChannels,
                        ["interleaved_to_planar"] = i.Preprocessing.InterleavedToPlanar,
                        ["dai_type"] = i.Preprocessing.DaiType,
                    },
                })]),
                ["outputs"] = new JsonArray([.. Outputs.Select(o => (JsonNode)new JsonObject
                {
                    ["name"] = o.Name,
                    ["dtype"] = o.DType,
                    ["shape"] = o.Shape is null ? null : Numbers(o.Shape),
                    ["layout"] = o.Layout,
                })]),
                ["heads"] = new JsonArray(),
            },
        };
        return Encoding.UTF8.GetBytes(root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 4 }));
    }

    private static JsonArray Numbers(IReadOnlyList<long> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
}

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
