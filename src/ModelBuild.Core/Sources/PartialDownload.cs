using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelBuild.Core.Sources;

/// <summary>
/// A download in progress, kept in the cache's <c>tmp/partial/</c> so that it survives a failed
/// attempt and a killed run: <c>&lt;key&gt;.part</c> holds the bytes received so far (its length
/// is the offset to resume from), <c>&lt;key&gt;.json</c> the validators (ETag, Last-Modified) of
/// the response they came from, so a resume asks <c>If-Range</c> and never splices two versions.
/// The key is a hash: no URL or secret appears in the file names.
/// </summary>
internal sealed class PartialDownload
{
    private readonly string _metadataPath;

    private PartialDownload(string directory, string key)
    {
        DataPath = Path.Combine(directory, key + ".part");
        _metadataPath = Path.Combine(directory, key + ".json");
        Validators = ReadValidators(_metadataPath);

        // Without validators a partial cannot be trusted to belong to the same version; start over.
        if (Validators is null && File.Exists(DataPath))
        {
            File.Delete(DataPath);
        }
    }

    /// <summary>The file holding the bytes received so far.</summary>
    public string DataPath { get; }

    /// <summary>Bytes already received.</summary>
    public long Length => File.Exists(DataPath) ? new FileInfo(DataPath).Length : 0;

    /// <summary>How the server identified the version of the bytes on disk; null before the first response.</summary>
    public PartialValidators? Validators { get; private set; }

    /// <summary>The partial download named <paramref name="key"/> (hex) in <paramref name="directory"/>, created if absent.</summary>
    public static PartialDownload Open(string directory, string key)
    {
        Directory.CreateDirectory(directory);
        return new PartialDownload(directory, key);
    }

    /// <summary>Records the response the bytes on disk now come from.</summary>
    public void SaveValidators(PartialValidators validators)
    {
        var temp = _metadataPath + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(validators, PartialJsonContext.Default.PartialValidators));
        File.Move(temp, _metadataPath, overwrite: true);
        Validators = validators;
    }

    /// <summary>Opens the data file positioned at its end, for appending.</summary>
    public FileStream OpenForAppend()
    {
        var stream = new FileStream(
            DataPath,
            FileMode.OpenOrCreate,
            FileAccess.ReadWrite,
            FileShare.Read,
            bufferSize: 0,
            FileOptions.Asynchronous);
        stream.Seek(0, SeekOrigin.End);
        return stream;
    }

    /// <summary>Forgets the bytes received: the next attempt starts from zero.</summary>
    public void Reset()
    {
        Delete();
        Validators = null;
    }

    /// <summary>Removes both files (after the content reached the store, or was rejected).</summary>
    public void Delete()
    {
        TryDelete(DataPath);
        TryDelete(_metadataPath);
    }

    private static PartialValidators? ReadValidators(string path)
    {
        try
        {
            return File.Exists(path)
                ? JsonSerializer.Deserialize(File.ReadAllText(path), PartialJsonContext.Default.PartialValidators)
                : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the cache's stale-temp sweep.
        }
    }
}

/// <summary>What identifies the version of a partially downloaded file.</summary>
/// <param name="ETag">The strong entity tag, if the server sent one.</param>
/// <param name="LastModified">The Last-Modified date (RFC 1123), if sent.</param>
/// <param name="TotalLength">The full length the server announced, if it did.</param>
internal sealed record PartialValidators(string? ETag, string? LastModified, long? TotalLength);

[JsonSerializable(typeof(PartialValidators))]
internal sealed partial class PartialJsonContext : JsonSerializerContext;
