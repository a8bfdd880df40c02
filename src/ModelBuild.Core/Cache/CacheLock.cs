using System.Diagnostics;
using System.Globalization;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Cache;

/// <summary>
/// A short, cross-process lock on one cache key, so two builds that need the same result compute it
/// once: the second waits, then finds it cached. The lock is an exclusive open of
/// <c>locks/&lt;key&gt;.lock</c>; the operating system drops it when the holder exits or crashes, so a
/// lock file left behind by a dead process never blocks. Dispose to release.
/// </summary>
public sealed class CacheLock : IDisposable
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromMilliseconds(500);

    private readonly FileStream _file;
    private readonly string _holderPath;
    private bool _disposed;

    private CacheLock(string key, FileStream file, string holderPath)
    {
        Key = key;
        _file = file;
        _holderPath = holderPath;
    }

    /// <summary>The key this lock holds.</summary>
    public string Key { get; }

    /// <summary>Releases the lock. The lock file stays: deleting it would let two waiters lock different files.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            // Still holding the lock, so no new holder has written its description yet.
            File.Delete(_holderPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The description is informational only.
        }

        _file.Dispose();
    }

    /// <summary>
    /// Takes the lock, polling with backoff while another process holds it. <paramref name="onWaiting"/>
    /// hears who holds it (once, and again if the holder changes).
    /// </summary>
    internal static async Task<CacheLock> AcquireAsync(
        string locksDirectory,
        string key,
        TimeSpan timeout,
        Action<string>? onWaiting,
        CancellationToken cancellationToken,
        string? description = null)
    {
        if (!IsValidKey(key))
        {
            throw new ArgumentException($"'{key}' is not a lock key (1-128 characters of A-Z, a-z, 0-9, '.', '_' or '-').", nameof(key));
        }

        var lockPath = Path.Combine(locksDirectory, key + ".lock");
        var holderPath = Path.Combine(locksDirectory, key + ".holder");
        var started = Stopwatch.GetTimestamp();
        var poll = FirstPoll;
        string? lastHolder = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryLock(locksDirectory, lockPath) is { } file)
            {
                DescribeHolder(file, holderPath);
                return new CacheLock(key, file, holderPath);
            }

            var holder = ReadHolder(holderPath);
            if (holder != lastHolder)
            {
                lastHolder = holder;
                onWaiting?.Invoke(holder);
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed >= timeout)
            {
                throw new DiagnosticException(
                    CacheDiagnostics.LockTimeout.Create(null, FormatDuration(timeout), description ?? key, holder));
            }

            var remaining = timeout - elapsed;
            await Task.Delay(remaining < poll ? remaining : poll, cancellationToken).ConfigureAwait(false);
            poll = poll * 2 < LongestPoll ? poll * 2 : LongestPoll;
        }
    }

    private static bool IsValidKey(string key) =>
        key.Length is > 0 and <= 128 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') && key[0] != '.';

    private static FileStream? TryLock(string locksDirectory, string lockPath)
    {
        try
        {
            Directory.CreateDirectory(locksDirectory);
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        }
        catch (IOException e) when (StorageFailure.TryDescribe(e, lockPath) is { } failure)
        {
            // A read-only or full file system: waiting would never help.
            throw new DiagnosticException(failure, e);
        }
        catch (IOException e) when (e is not (DirectoryNotFoundException or PathTooLongException or FileNotFoundException))
        {
            return null; // Held by another open handle.
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DiagnosticException(CacheDiagnostics.CacheNotUsable.Create(null, locksDirectory, e.Message), e);
        }
    }

    private static void DescribeHolder(FileStream file, string holderPath)
    {
        using var self = Process.GetCurrentProcess();
        var description = string.Create(
            CultureInfo.InvariantCulture,
            $"process {Environment.ProcessId} ({self.ProcessName}) on {Environment.MachineName} since " +
                $"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC");
        var bytes = System.Text.Encoding.UTF8.GetBytes(description);

        // In the lock file for a post-mortem look; beside it for waiters, who cannot open a locked file.
        try
        {
            file.SetLength(0);
            file.Write(bytes);
            file.Flush();
            File.WriteAllBytes(holderPath, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Waiters then see "another process"; the lock itself is what matters.
        }
    }

    private static string ReadHolder(string holderPath)
    {
        try
        {
            return File.ReadAllText(holderPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "another process";
        }
    }

    private static string FormatDuration(TimeSpan duration) =>
        duration.TotalSeconds < 1
            ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0} ms")
            : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.#} s");
}
