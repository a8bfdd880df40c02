using System.Runtime.InteropServices;

namespace ModelBuild.Runtime;

/// <summary>
/// Finds the ONNX Runtime native library: the file named by <see cref="OnnxRuntimeLibrary.PathVariable"/> if it
/// is set, otherwise <c>runtimes/&lt;rid&gt;/native/&lt;library&gt;</c> under each search directory in turn.
/// </summary>
internal static class NativeLibraryLocator
{
    /// <summary>The library's file name on this operating system.</summary>
    public static string LibraryFileName { get; } =
        OperatingSystem.IsWindows() ? "onnxruntime.dll"
        : OperatingSystem.IsMacOS() ? "libonnxruntime.dylib"
        : "libonnxruntime.so";

    /// <summary>The portable runtime identifier of this process (<c>linux-x64</c>, <c>osx-arm64</c>, <c>win-x64</c>...).</summary>
    public static string RuntimeIdentifier { get; } = ComputeRuntimeIdentifier();

    /// <summary><c>runtimes/&lt;rid&gt;/native/&lt;library&gt;</c>, the layout NuGet packages and our build use.</summary>
    public static string RelativePath { get; } = Path.Combine("runtimes", RuntimeIdentifier, "native", LibraryFileName);

    /// <summary>
    /// Returns the full path of the library. An explicit <paramref name="overridePath"/> is the only place
    /// looked at when given (a wrong override must not silently fall back to another copy).
    /// </summary>
    /// <exception cref="DllNotFoundException">MB5001, listing every place looked at.</exception>
    public static string Locate(string? overridePath, IEnumerable<string> searchDirectories)
    {
        var tried = new List<string>();
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            var full = Path.GetFullPath(overridePath);
            if (File.Exists(full))
            {
                return full;
            }

            tried.Add($"{full} (from {OnnxRuntimeLibrary.PathVariable}; no such file)");
            throw new DllNotFoundException(RuntimeDiagnostics.LibraryNotFound(LibraryFileName, tried));
        }

        tried.Add($"{OnnxRuntimeLibrary.PathVariable} (not set)");
        var seen = new HashSet<string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (var directory in searchDirectories)
        {
            if (string.IsNullOrEmpty(directory))
            {
                continue;
            }

            var candidate = Path.GetFullPath(Path.Combine(directory, RelativePath));
            if (!seen.Add(candidate))
            {
                continue;
            }

            if (File.Exists(candidate))
            {
                return candidate;
            }

            tried.Add(candidate);
        }

        throw new DllNotFoundException(RuntimeDiagnostics.LibraryNotFound(LibraryFileName, tried));
    }

    private static string ComputeRuntimeIdentifier()
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            Architecture.Arm => "arm",
            var other => other.ToString().ToLowerInvariant(),
        };
        return os + "-" + arch;
    }
}
