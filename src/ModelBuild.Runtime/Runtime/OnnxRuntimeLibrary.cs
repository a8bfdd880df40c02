using System.Runtime.InteropServices;

namespace ModelBuild.Runtime;

/// <summary>
/// The ONNX Runtime native library of this process, loaded once on first use. Where it is looked for,
/// in order: the file named by the <c>MODELBUILD_ONNXRUNTIME</c> environment variable; then
/// <c>runtimes/&lt;rid&gt;/native/&lt;library&gt;</c> under the application's base directory; then the same
/// under the directory of this assembly.
/// </summary>
public static class OnnxRuntimeLibrary
{
    /// <summary>The environment variable that names the native library file to use instead of the bundled one.</summary>
    public const string PathVariable = "MODELBUILD_ONNXRUNTIME";

    private static readonly Lazy<LoadedLibrary> Library = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<OrtEnvHandle> Env = new(CreateEnvironment, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<OrtMemoryInfoHandle> CpuMemory = new(CreateCpuMemoryInfo, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<nint> Allocator = new(GetDefaultAllocator, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The full path of the loaded native library (loads it if needed).</summary>
    /// <exception cref="DllNotFoundException">MB5001–MB5003: the library is missing, unusable or too old.</exception>
    public static string LibraryPath => Library.Value.Path;

    /// <summary>The version ONNX Runtime reports, e.g. <c>1.30.0</c> (loads the library if needed).</summary>
    /// <exception cref="DllNotFoundException">MB5001–MB5003: the library is missing, unusable or too old.</exception>
    public static string Version => Library.Value.Version;

    /// <summary>The C API version this binding asks for: the lowest that has every function it calls.</summary>
    public static uint ApiVersion => OrtApi.RequestedVersion;

    internal static OrtApi Api => Library.Value.Api;

    /// <summary>The process's one <c>OrtEnv</c>; it lives as long as the process.</summary>
    internal static OrtEnvHandle Environment => Env.Value;

    /// <summary>Describes ordinary CPU memory, for tensors over managed buffers.</summary>
    internal static OrtMemoryInfoHandle CpuMemoryInfo => CpuMemory.Value;

    /// <summary>ORT's default CPU allocator (process-wide, never released).</summary>
    internal static nint DefaultAllocator => Allocator.Value;

    private static unsafe LoadedLibrary Load()
    {
        string[] searchDirectories = [AppContext.BaseDirectory, System.IO.Path.GetDirectoryName(typeof(OnnxRuntimeLibrary).Assembly.Location) ?? string.Empty];
        var path = NativeLibraryLocator.Locate(System.Environment.GetEnvironmentVariable(PathVariable), searchDirectories);

        nint handle;
        try
        {
            handle = NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new DllNotFoundException(RuntimeDiagnostics.LibraryNotLoadable(path, e.Message), e);
        }

        if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out var getApiBase))
        {
            throw new DllNotFoundException(RuntimeDiagnostics.LibraryNotLoadable(path, "it does not export OrtGetApiBase, so it is not ONNX Runtime."));
        }

        // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t version); const char* (*GetVersionString)(void); }
        var apiBase = ((delegate* unmanaged<void**>)getApiBase)();
        var version = Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)apiBase[1])()) ?? string.Empty;
        var table = ((delegate* unmanaged<uint, void**>)apiBase[0])(OrtApi.RequestedVersion);
        if (table == null)
        {
            throw new DllNotFoundException(RuntimeDiagnostics.ApiVersionUnsupported(path, version, OrtApi.RequestedVersion));
        }

        // Asking for a version the runtime lacks makes ORT print a note to stderr; only ORT older than 1.24 does.
        var hasShapeVersion = ((delegate* unmanaged<uint, void**>)apiBase[0])(OrtApi.HasShapeVersion) != null;
        return new LoadedLibrary(path, version, new OrtApi(table, hasShapeVersion));
    }

    private static unsafe OrtEnvHandle CreateEnvironment()
    {
        // Warnings and worse go to ORT's default logger (stderr); each session can narrow it further.
        const int warningLevel = 2;
        var api = Api;
        nint env;
        fixed (byte* logId = "ModelBuild\0"u8)
        {
            OrtStatus.Check(api.CreateEnv(warningLevel, logId, &env), "create its environment");
        }

        return new OrtEnvHandle(env);
    }

    private static unsafe OrtMemoryInfoHandle CreateCpuMemoryInfo()
    {
        const int arenaAllocator = 1;
        const int memTypeDefault = 0;
        nint info;
        OrtStatus.Check(Api.CreateCpuMemoryInfo(arenaAllocator, memTypeDefault, &info), "describe CPU memory");
        return new OrtMemoryInfoHandle(info);
    }

    private static unsafe nint GetDefaultAllocator()
    {
        nint allocator;
        OrtStatus.Check(Api.GetAllocatorWithDefaultOptions(&allocator), "get its default allocator");
        return allocator;
    }

    private sealed record LoadedLibrary(string Path, string Version, OrtApi Api);
}
