using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>One pin in the lock file: the content a source gave when it was first fetched.</summary>
public sealed record LockedSource(Sha256Digest Sha256, long Size);

/// <summary>
/// <c>models.lock.json</c>, beside the project: the digest and size of every remote source whose
/// manifest does not pin one, written by the first build so later builds (and CI) get the same
/// bytes or fail. Keys are the sources as displayed (secrets masked; a masked query adds its digest). Writes are atomic (temp file
/// and rename), merged with what is on disk, keys sorted, so the file is stable under version
/// control. In locked mode nothing is ever added: a source missing from the lock is an error.
/// </summary>
public sealed class ModelLockFile
{
    /// <summary>The file's name beside the project.</summary>
    public const string FileName = "models.lock.json";

    private const int FormatVersion = 1;

    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, LockedSource> _entries;

    private ModelLockFile(string path, bool locked, SortedDictionary<string, LockedSource> entries)
    {
        FilePath = path;
        IsLocked = locked;
        _entries = entries;
    }

    public string FilePath { get; }

    /// <summary>True in locked mode (<c>ModelBuildLockedMode</c>, <c>--locked</c>): the file must not change.</summary>
    public bool IsLocked { get; }

    /// <summary>The pins, by source.</summary>
    public IReadOnlyDictionary<string, LockedSource> Entries
    {
        get
        {
            lock (_gate)
            {
                return new SortedDictionary<string, LockedSource>(_entries, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Reads <paramref name="path"/> (an absent file is an empty lock).</summary>
    /// <exception cref="DiagnosticException">The file exists but is not a lock file.</exception>
    public static ModelLockFile Open(string path, bool locked = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        return new ModelLockFile(full, locked, Read(full));
    }

    /// <summary>The pin of <paramref name="source"/>, or null.</summary>
    public LockedSource? Find(SourceReference source)
    {
        ArgumentNullException.ThrowIfNull(source);
        lock (_gate)
        {
            return _entries.GetValueOrDefault(source.LockKey);
        }
    }

    /// <summary>
    /// Records what <paramref name="source"/> gave and writes the file if that changed it.
    /// </summary>
    /// <exception cref="DiagnosticException">Locked mode, and the entry is new or different.</exception>
    public void Record(SourceReference source, LockedSource pin, SourceLocation? at)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(pin);
        lock (_gate)
        {
            if (_entries.TryGetValue(source.LockKey, out var existing) && existing == pin)
            {
                return;
            }

            if (IsLocked)
            {
                throw new DiagnosticException(SourceDiagnostics.LockFileWouldChange.Create(at, source.DisplayText, FilePath));
            }

            // Another build may have written entries since this one read the file: keep them.
            foreach (var (key, value) in Read(FilePath))
            {
                _entries.TryAdd(key, value);
            }

            _entries[source.LockKey] = pin;
            Write();
        }
    }

    /// <summary>Fails in locked mode when <paramref name="source"/> has no pin to use.</summary>
    public void RequireEntry(SourceReference source, SourceLocation? at)
    {
        if (IsLocked && Find(source) is null)
        {
            throw new DiagnosticException(SourceDiagnostics.LockFileWouldChange.Create(at, source.DisplayText, FilePath));
        }
    }

    private void Write()
    {
        var sources = new JsonObject();
        foreach (var (key, value) in _entries)
        {
            sources[key] = new JsonObject { ["sha256"] = value.Sha256.Hex, ["size"] = value.Size };
        }

        var root = new JsonObject { ["version"] = FormatVersion, ["sources"] = sources };
        var text = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var temp = FilePath + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        File.WriteAllText(temp, text.Replace("\r\n", "\n", StringComparison.Ordinal), new UTF8Encoding(false));
        File.Move(temp, FilePath, overwrite: true);
    }

    private static SortedDictionary<string, LockedSource> Read(string path)
    {
        var entries = new SortedDictionary<string, LockedSource>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return entries;
        }

        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("the file is not a JSON object");
            if (root["version"]?.GetValue<int>() is not FormatVersion)
            {
                throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"\"version\" must be {FormatVersion}"));
            }

            foreach (var (key, value) in root["sources"] as JsonObject ?? [])
            {
                var digest = value?["sha256"]?.GetValue<string>();
                var size = value?["size"]?.GetValue<long>();
                if (!Sha256Digest.TryParse(digest, out var sha256) || size is not >= 0)
                {
                    throw new JsonException($"the entry for '{key}' needs a \"sha256\" of 64 hex digits and a \"size\"");
                }

                entries[key] = new LockedSource(sha256, size.Value);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or IOException)
        {
            throw new DiagnosticException(SourceDiagnostics.LockFileInvalid.Create(new SourceLocation(path), path, e.Message), e);
        }

        return entries;
    }
}
