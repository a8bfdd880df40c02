using System.Diagnostics;

namespace ModelBuild.Cli.Tests.CacheSafety;

/// <summary>
/// A real mount for storage-failure tests: a small tmpfs (a disk that fills up) or a folder bound onto itself
/// read-only. Mounting needs root (CAP_SYS_ADMIN); where it is refused, <see cref="SkipReason"/> says why and
/// the test prints it instead of failing. Unmounted on dispose.
/// </summary>
internal sealed class TestMount : IDisposable
{
    private readonly string _path;
    private bool _mounted;

    private TestMount(string path) => _path = path;

    /// <summary>Why the mount could not be made, or null when it was.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (mount's syntax: 1m, 512k) on <paramref name="path"/>.</summary>
    public static TestMount Tmpfs(string path, string size)
    {
        Directory.CreateDirectory(path);
        var mount = new TestMount(path);
        mount.Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path);
        return mount;
    }

    /// <summary>Makes <paramref name="path"/> read-only for everyone, root included: a read-only bind mount onto itself.</summary>
    public static TestMount ReadOnly(string path)
    {
        Directory.CreateDirectory(path);
        var mount = new TestMount(path);
        if (mount.Run("mount", "--bind", path, path) && !mount.Run("mount", "-o", "remount,ro,bind", path))
        {
            mount.Dispose();
        }

        return mount;
    }

    /// <summary>Runs <c>chattr</c> on <paramref name="path"/>; why it failed (a file system without attributes), or null.</summary>
    public static string? Chattr(string change, string path)
    {
        var (exitCode, error) = Execute("chattr", change, path);
        return exitCode == 0 ? null : $"'chattr {change} {path}' failed ({error.Trim()})";
    }

    /// <summary>Gives the tmpfs a new size (more room for the build after the failure).</summary>
    public void Resize(string size) => Assert.True(Run("mount", "-o", $"remount,size={size}", _path), SkipReason);

    public void Dispose()
    {
        if (_mounted)
        {
            _mounted = false;
            Execute("umount", "-l", _path);
        }
    }

    private bool Run(params string[] command)
    {
        if (!OperatingSystem.IsLinux())
        {
            SkipReason = "mounts are made with Linux's mount(8)";
            return false;
        }

        var (exitCode, error) = Execute(command);
        if (exitCode != 0)
        {
            SkipReason = $"'{string.Join(' ', command)}' failed ({error.Trim()}); it needs root with CAP_SYS_ADMIN";
            return false;
        }

        _mounted = true;
        return true;
    }

    private static (int ExitCode, string Error) Execute(params string[] command)
    {
        var start = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true
        };
        foreach (var argument in command[1..])
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
