using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Sessions;

/// <summary>The ONNX Runtime this process runs models with (Microsoft.ML.OnnxRuntime and its native library).</summary>
public static class OnnxRuntimeLibrary
{
    private static readonly Lazy<string> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The version this engine is built with (Microsoft.ML.OnnxRuntime's package version, recorded in ModelBuild.Core
    /// at build time), known without loading ONNX Runtime: a run whose every action is cached never loads it.
    /// </summary>
    public static string BuiltVersion { get; } =
        typeof(OnnxRuntimeLibrary).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "OnnxRuntimeVersion")?.Value is { Length: > 0 } version
            ? version
            : throw new InvalidOperationException("ModelBuild.Core does not record the ONNX Runtime version it is built with.");

    /// <summary>The version the native library reports, e.g. <c>1.32.0</c> (loads it if needed); always <see cref="BuiltVersion"/>.</summary>
    /// <exception cref="DllNotFoundException">
    /// MB5050: the native library is missing or cannot be loaded; MB3050: it is another version than <see cref="BuiltVersion"/>.
    /// </exception>
    public static string Version => Loaded.Value;

    private static string Load()
    {
        string loaded;
        try
        {
            loaded = OrtEnv.Instance().GetVersionString();
        }
        catch (Exception e) when (e is DllNotFoundException
            or BadImageFormatException
            or EntryPointNotFoundException
            or TypeInitializationException)
        {
            throw new OnnxRuntimeNotLoadableException(SessionDiagnostics.RuntimeNotLoadable(Innermost(e).Message), e);
        }

        // Cache keys name the built version; computing with another would file its results under the wrong key.
        return loaded == BuiltVersion
            ? loaded
            : throw new OnnxRuntimeNotLoadableException(SessionDiagnostics.RuntimeVersionMismatch(loaded, BuiltVersion));
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}

/// <summary>ONNX Runtime's native library is missing or cannot be loaded (MB5050), or is not the version built with (MB3050).</summary>
public sealed class OnnxRuntimeNotLoadableException : DllNotFoundException, ICodedError
{
    /// <summary>Creates the exception for <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public OnnxRuntimeNotLoadableException(CodedMessage message, Exception inner)
        : base(message.ToString(), inner) => (Code, Reason) = (message.Code, message.Reason);

    /// <summary>Creates the exception for <paramref name="message"/>: the library loaded but cannot be used.</summary>
    public OnnxRuntimeNotLoadableException(CodedMessage message)
        : base(message.ToString()) => (Code, Reason) = (message.Code, message.Reason);

    /// <inheritdoc/>
    public string Code { get; }

    /// <inheritdoc/>
    public string Reason { get; }
}
