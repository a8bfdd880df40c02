using System.Globalization;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Cache;

/// <summary>
/// Turns a failed file write into the coded error that names its cause and path: a full disk (with
/// the free space left), the process's file size limit (<c>ulimit -f</c>), a permission, a read-only
/// file system. Other failures are not recognised, and stay what they were.
/// </summary>
public static class StorageFailure
{
    // Linux errno values; .NET puts the raw errno of a failed system call into IOException.HResult.
    private const int NoSpace = 28;
    private const int ReadOnlyFileSystem = 30;
    private const int FileTooLarge = 27;
    private const int QuotaExceeded = 122;

    /// <summary>The coded error for <paramref name="failure"/>, a write to <paramref name="path"/>, or null when it is not a storage
    /// failure.</summary>
    public static Diagnostic? TryDescribe(Exception failure, string path)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var full = Path.IsPathRooted(path) ? Path.GetFullPath(path) : path;
        return failure switch
        {
            IOException { HResult: NoSpace or QuotaExceeded } => CacheDiagnostics.NoSpace.Create(null, full, FreeSpace(full)),

            // .NET reports EFBIG from a write as this exception, without the path.
            ArgumentOutOfRangeException { ParamName: "value" } or IOException { HResult: FileTooLarge } =>
                CacheDiagnostics.FileTooLarge.Create(null, full),
            IOException { HResult: ReadOnlyFileSystem } => CacheDiagnostics.ReadOnlyFileSystem.Create(null, full),
            UnauthorizedAccessException => CacheDiagnostics.PermissionDenied.Create(null, full, Describe(failure)),
            _ => null,
        };
    }

    /// <summary>
    /// Runs <paramref name="write"/>; a storage failure while it writes <paramref name="path"/> becomes a
    /// <see cref="DiagnosticException"/>, anything else passes through.
    /// </summary>
    public static T Guard<T>(string path, Func<T> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            return write();
        }
        catch (Exception e) when (TryDescribe(e, path) is { } diagnostic)
        {
            throw new DiagnosticException(diagnostic, e);
        }
    }

    /// <summary>As <see cref="Guard{T}(string, Func{T})"/>, for an asynchronous write.</summary>
    public static async Task<T> GuardAsync<T>(string path, Func<Task<T>> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            return await write().ConfigureAwait(false);
        }
        catch (Exception e) when (TryDescribe(e, path) is { } diagnostic)
        {
            throw new DiagnosticException(diagnostic, e);
        }
    }

    /// <summary>
    /// The path .NET's message names (<c>... : '/path'</c>) for a failure caught far from its write, or a
    /// description when it names none (a write past the file size limit does not).
    /// </summary>
    public static string PathIn(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var message = failure.Message;
        var end = message.LastIndexOf('\'');
        var start = end > 0 ? message.LastIndexOf('\'', end - 1) : -1;
        return start >= 0 && end > start + 1 && Path.IsPathRooted(message[(start + 1)..end])
            ? message[(start + 1)..end]
            : "a file the engine was writing";
    }

    /// <summary>"12.5 MiB free", or "free space unknown" when the file system cannot say.</summary>
    internal static string FreeSpace(string path)
    {
        try
        {
            var folder = Path.GetDirectoryName(path);
            while (folder is not null && !Directory.Exists(folder))
            {
                folder = Path.GetDirectoryName(folder);
            }

            return folder is null || !Path.IsPathRooted(folder)
                ? "free space unknown"
                : Size(new DriveInfo(folder).AvailableFreeSpace) + " free";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return "free space unknown";
        }
    }

    private static string Describe(Exception failure) =>
        string.Join(' ', failure.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => bytes.ToString(CultureInfo.InvariantCulture) + " bytes",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024.0)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / (1024.0 * 1024.0 * 1024.0)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
    };
}
