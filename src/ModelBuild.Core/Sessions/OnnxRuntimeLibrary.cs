using Microsoft.ML.OnnxRuntime;

namespace ModelBuild.Core.Sessions;

/// <summary>The ONNX Runtime this process runs models with (Microsoft.ML.OnnxRuntime and its native library).</summary>
public static class OnnxRuntimeLibrary
{
    private static readonly Lazy<string> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The version the native library reports, e.g. <c>1.32.0</c> (loads it if needed).</summary>
    /// <exception cref="DllNotFoundException">MB5050: the native library is missing or cannot be loaded.</exception>
    public static string Version => Loaded.Value;

    private static string Load()
    {
        try
        {
            return OrtEnv.Instance().GetVersionString();
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException or TypeInitializationException)
        {
            throw new DllNotFoundException(SessionDiagnostics.RuntimeNotLoadable(Innermost(e).Message), e);
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
