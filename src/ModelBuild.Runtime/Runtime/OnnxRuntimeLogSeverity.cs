namespace ModelBuild.Runtime;

/// <summary>The least severe log message ONNX Runtime prints (ORT's <c>OrtLoggingLevel</c> numbers).</summary>
public enum OnnxRuntimeLogSeverity
{
    /// <summary>Everything, including verbose traces.</summary>
    Verbose = 0,

    /// <summary>Informational messages and worse.</summary>
    Info = 1,

    /// <summary>Warnings and worse (ORT's default).</summary>
    Warning = 2,

    /// <summary>Errors and worse.</summary>
    Error = 3,

    /// <summary>Fatal errors only.</summary>
    Fatal = 4,
}
