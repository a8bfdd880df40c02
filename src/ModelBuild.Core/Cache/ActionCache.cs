using System.Text.Json;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Cache;

/// <summary>
/// The action cache: <see cref="ActionKey"/> → <see cref="ActionRecord"/>, one JSON file per key
/// under <c>ac/</c>. A record counts only while every blob it names is present and valid in the
/// content store; otherwise it is a miss and the action runs again.
/// </summary>
public sealed class ActionCache
{
    private const int FormatVersion = 1;

    // A hit renews the record's time stamp (its last use, for eviction) at most this often.
    private static readonly TimeSpan UseRecordingInterval = TimeSpan.FromMinutes(10);

    private readonly CacheLayout _layout;
    private readonly ContentStore _content;

    internal ActionCache(CacheLayout layout, ContentStore content)
    {
        _layout = layout;
        _content = content;
    }

    /// <summary>The record for <paramref name="key"/> if it exists and all its blobs are valid; otherwise null.</summary>
    public ActionRecord? TryGet(ActionKey key)
    {
        var path = _layout.ActionRecordPath(key);
        byte[] json;
        try
        {
            json = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        var record = Deserialize(json, key, out var corrupt);
        if (record is null)
        {
            // Unreadable (a hand edit, a disk fault): keep it aside for inspection. A record of
            // another format version belongs to another engine version and is left alone.
            if (corrupt)
            {
                Quarantine(path, key);
            }

            return null;
        }

        foreach (var blob in record.Outputs.Values)
        {
            if (_content.Find(blob.Digest) is not { } stored || stored.Size != blob.Size)
            {
                return null;
            }
        }

        RecordUse(path);
        return record;
    }

    /// <summary>The record stored for <paramref name="key"/> as it is on disk, blobs unchecked; null when absent or unreadable.</summary>
    internal ActionRecord? TryReadUnchecked(ActionKey key)
    {
        try
        {
            return Deserialize(File.ReadAllBytes(_layout.ActionRecordPath(key)), key, out _);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Every stored record's key and file, in no particular order.</summary>
    internal IEnumerable<(ActionKey Key, FileInfo File)> EnumerateFiles()
    {
        var root = new DirectoryInfo(_layout.ActionDirectory);
        if (!root.Exists)
        {
            yield break;
        }

        foreach (var file in root.EnumerateFiles("*.json", SearchOption.AllDirectories))
        {
            if (Sha256Digest.TryParse(Path.GetFileNameWithoutExtension(file.Name), out var digest))
            {
                yield return (new ActionKey(digest), file);
            }
        }
    }

    /// <summary>Removes the record for <paramref name="key"/>; false when it was not there.</summary>
    internal bool Remove(ActionKey key)
    {
        try
        {
            var path = _layout.ActionRecordPath(key);
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void RecordUse(string path)
    {
        try
        {
            var now = DateTime.UtcNow;
            if (now - File.GetLastWriteTimeUtc(path) >= UseRecordingInterval)
            {
                File.SetLastWriteTimeUtc(path, now);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The time stamp only orders eviction.
        }
    }

    /// <summary>Stores the record for <paramref name="key"/> atomically, replacing an older one.</summary>
    /// <exception cref="ArgumentException">An output blob is not in the content store; store outputs first.</exception>
    public void Put(ActionKey key, ActionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        foreach (var (name, blob) in record.Outputs)
        {
            if (_content.Find(blob.Digest) is not { } stored || stored.Size != blob.Size)
            {
                throw new ArgumentException($"Output '{name}' ({blob}) is not in the content store.", nameof(record));
            }
        }

        var path = _layout.ActionRecordPath(key);
        var temp = _layout.NewTempPath(".json");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Directory.CreateDirectory(_layout.TempDirectory);
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(Serialize(key, record));
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (StorageFailure.TryDescribe(e, path) is { } failure)
        {
            TryDelete(temp);
            throw new DiagnosticException(failure, e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        CrashPoint.Reached(CrashPoint.RecordWritten);
    }

    internal static byte[] Serialize(ActionKey key, ActionRecord record)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("format", FormatVersion);
            writer.WriteString("key", key.Hex);
            writer.WriteString("action", record.ActionName);
            writer.WriteStartObject("outputs");
            foreach (var (name, blob) in record.Outputs)
            {
                writer.WriteStartObject(name);
                writer.WriteString("sha256", blob.Digest.Hex);
                writer.WriteNumber("size", blob.Size);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteStartObject("metadata");
            foreach (var (name, value) in record.Metadata)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>
    /// The record in <paramref name="json"/>, or null if it is not a well-formed record of this
    /// format for <paramref name="key"/>; <paramref name="corrupt"/> tells a broken file from a foreign format.
    /// </summary>
    internal static ActionRecord? Deserialize(byte[] json, ActionKey key, out bool corrupt)
    {
        corrupt = true;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.GetProperty("format").GetInt32() != FormatVersion)
            {
                corrupt = false;
                return null;
            }

            if (root.GetProperty("key").GetString() != key.Hex)
            {
                return null;
            }

            var outputs = new List<KeyValuePair<string, StoredBlob>>();
            foreach (var output in root.GetProperty("outputs").EnumerateObject())
            {
                if (!Sha256Digest.TryParse(output.Value.GetProperty("sha256").GetString(), out var digest)
                    || output.Value.GetProperty("size").GetInt64() is var size && size < 0)
                {
                    return null;
                }

                outputs.Add(new(output.Name, new StoredBlob(digest, size)));
            }

            var metadata = root.GetProperty("metadata").EnumerateObject()
                .Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString() ?? throw new FormatException("null metadata")));
            var record = new ActionRecord(root.GetProperty("action").GetString() ?? "", outputs, metadata.ToList());
            corrupt = false;
            return record;
        }
        catch (Exception e) when (e is JsonException
            or KeyNotFoundException
            or InvalidOperationException
            or FormatException
            or ArgumentException)
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
            // Left for the sweep of tmp/ at the next start-up.
        }
    }

    private void Quarantine(string path, ActionKey key)
    {
        try
        {
            Directory.CreateDirectory(_layout.QuarantineDirectory);
            File.Move(path, _layout.NewQuarantinePath(key.Hex + ".json"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another process moved or replaced it; either way this read is a miss.
        }
    }
}
