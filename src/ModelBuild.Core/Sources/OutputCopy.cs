using Microsoft.Win32.SafeHandles;
using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Sources;

/// <summary>
/// The output folder's copy of one download, written from the same buffers as the cache's copy while the bytes
/// arrive, under a temporary name beside its destination. It becomes the destination (a rename) only after the
/// download was verified against its pin and the cache took the blob, so the output never holds half a file or
/// unverified bytes. It is a file of its own, never a hard link to the blob: a later write to the output must not
/// change the cache that every build shares. A copy that could not be written (or a fetch that did not download)
/// leaves it empty, and the caller copies the blob out of the cache instead.
/// </summary>
internal sealed class OutputCopy : IDisposable
{
    private SafeFileHandle? _file;
    private long _length;
    private bool _failed;
    private StoredBlob? _holds;
    private bool _committed;

    /// <param name="destination">The file the copy becomes; its folder is created on the first write.</param>
    public OutputCopy(string destination)
    {
        Destination = destination;
        TempPath = destination + ".modelbuild-" + Guid.NewGuid().ToString("N")[..8];
    }

    /// <summary>Where the verified copy goes.</summary>
    public string Destination { get; }

    /// <summary>Where it is written until then.</summary>
    public string TempPath { get; }

    /// <summary>Appends a chunk of the download. An output that cannot be written is given up (not an error here).</summary>
    public void Write(ReadOnlySpan<byte> chunk)
    {
        if (_failed || _holds is not null || chunk.IsEmpty)
        {
            return;
        }

        try
        {
            if (_file is null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(TempPath))!);
                _file = File.OpenHandle(TempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            }

            RandomAccess.Write(_file, chunk, _length);
            _length += chunk.Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            GiveUp();
        }
    }

    /// <summary>Forgets what was written: the download starts over.</summary>
    public void Restart()
    {
        if (_failed || _file is null)
        {
            _length = 0;
            return;
        }

        try
        {
            RandomAccess.SetLength(_file, 0);
            _length = 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            GiveUp();
        }
    }

    /// <summary>
    /// Records that the bytes written are <paramref name="blob"/>, verified and now in the cache, if every one of
    /// them reached the file; otherwise gives the copy up.
    /// </summary>
    public void Seal(StoredBlob blob)
    {
        if (_failed || _file is null || _length != blob.Size)
        {
            GiveUp();
            return;
        }

        _file.Dispose();
        _file = null;
        _holds = blob;
    }

    /// <summary>
    /// Renames the copy onto <see cref="Destination"/> when it holds <paramref name="blob"/>; false (and nothing changed)
    /// when it does not.
    /// </summary>
    /// <exception cref="IOException">The rename failed.</exception>
    public bool TryCommit(StoredBlob blob)
    {
        if (_holds != blob || new FileInfo(TempPath) is not { Exists: true } written || written.Length != blob.Size)
        {
            return false;
        }

        File.Move(TempPath, Destination, overwrite: true);
        _committed = true;
        return true;
    }

    /// <summary>Removes the temporary file unless it became the destination.</summary>
    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
        if (!_committed)
        {
            TryDelete(TempPath);
        }
    }

    private void GiveUp()
    {
        _failed = true;
        _file?.Dispose();
        _file = null;
        TryDelete(TempPath);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not ours to keep: the folder may be gone or read-only; the fallback copy reports real problems.
        }
    }
}
