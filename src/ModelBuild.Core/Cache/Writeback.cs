using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelBuild.Core.Cache;

/// <summary>
/// Starts writing a range of a file to disk without waiting for it (Linux <c>sync_file_range</c> with
/// <c>SYNC_FILE_RANGE_WRITE</c>), so that a large file written as it downloads is mostly on disk by the
/// time the cache's <c>fsync</c> before the rename runs: the disk works while the network does, and the
/// final flush waits for the last few MiB instead of the whole file. Elsewhere, and on any error, it does
/// nothing: the <c>fsync</c> still makes the file durable.
/// </summary>
internal static class Writeback
{
    // SYNC_FILE_RANGE_WRITE, from linux/fs.h.
    private const uint SyncFileRangeWrite = 2;

    private static bool s_unavailable = !OperatingSystem.IsLinux();

    /// <summary>Asks the kernel to start writing <paramref name="count"/> bytes at <paramref name="offset"/> of <paramref
    /// name="file"/>.</summary>
    public static void Start(SafeFileHandle file, long offset, long count)
    {
        if (s_unavailable || count <= 0)
        {
            return;
        }

        try
        {
            _ = SyncFileRange(file, offset, count, SyncFileRangeWrite);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_unavailable = true;
        }
    }

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRange(SafeFileHandle fd, long offset, long nbytes, uint flags);
}
