using Microsoft.ML.OnnxRuntime;
using ModelBuild.Tensors;

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
        catch (Exception e) when (e is DllNotFoundException
            or BadImageFormatException
            or EntryPointNotFoundException
            or TypeInitializationException)
        {
            throw new OnnxRuntimeNotLoadableException(SessionDiagnostics.RuntimeNotLoadable(Innermost(e).Message), e);
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}

/// <summary>ONNX Runtime's native library is missing or cannot be loaded (MB5050).</summary>
public sealed class OnnxRuntimeNotLoadableException : DllNotFoundException, ICodedError
{
    /// <summary>Creates the exception for <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public OnnxRuntimeNotLoadableException(CodedMessage message, Exception inner)
        : base(message.ToString(), inner) => (Code, Reason) = (message.Code, message.Reason);

    /// <inheritdoc/>
    public string Code { get; }

    /// <inheritdoc/>
    public string Reason { get; }
}
