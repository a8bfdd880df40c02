using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelBuild.Core.Cache;

/// <summary>
/// Copy-on-write clones on Linux file systems that have them (Btrfs, XFS, bcachefs): the clone shares
/// the blob's disk blocks until either side is written, and a write to the clone never reaches the
/// blob. Unlike a hard link, a clone is a file of its own, so a project's copy cannot change the cache.
/// </summary>
internal static class Reflink
{
    // FICLONE = _IOW(0x94, 9, int), from linux/fs.h.
    private const ulong FiClone = 0x40049409;

    /// <summary>Makes <paramref name="destination"/> (empty, open for writing) a clone of <paramref name="source"/>; false where
    /// unsupported.</summary>
    public static bool TryClone(SafeFileHandle source, SafeFileHandle destination)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return Ioctl(destination, FiClone, source) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int Ioctl(SafeFileHandle fd, ulong request, SafeFileHandle sourceFd);
}
