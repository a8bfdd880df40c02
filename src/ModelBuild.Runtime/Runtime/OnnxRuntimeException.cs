namespace ModelBuild.Runtime;

/// <summary>
/// ONNX Runtime reported an error (code MB5004). <see cref="ErrorCode"/> and <see cref="NativeMessage"/>
/// are what ORT said; <see cref="Exception.Message"/> adds the code and what was being done.
/// </summary>
public sealed class OnnxRuntimeException : Exception
{
    /// <summary>Creates an exception for an error ONNX Runtime reported while doing <paramref name="operation"/>.</summary>
    public OnnxRuntimeException(OnnxRuntimeErrorCode errorCode, string nativeMessage, string operation)
        : base(RuntimeDiagnostics.NativeError(operation, errorCode, nativeMessage))
    {
        ErrorCode = errorCode;
        NativeMessage = nativeMessage;
    }

    /// <summary>ONNX Runtime's error code.</summary>
    public OnnxRuntimeErrorCode ErrorCode { get; }

    /// <summary>ONNX Runtime's own message, unchanged.</summary>
    public string NativeMessage { get; }
}
