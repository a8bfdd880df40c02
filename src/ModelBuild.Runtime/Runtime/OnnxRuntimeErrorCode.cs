namespace ModelBuild.Runtime;

/// <summary>ONNX Runtime's error codes (<c>OrtErrorCode</c>), with ORT's numbers.</summary>
public enum OnnxRuntimeErrorCode
{
    /// <summary>No error.</summary>
    Ok = 0,

    /// <summary>A failure with no more specific code; the message says what happened.</summary>
    Fail = 1,

    /// <summary>An argument was invalid (wrong shape, type, option...).</summary>
    InvalidArgument = 2,

    /// <summary>A file (for example the model) does not exist.</summary>
    NoSuchFile = 3,

    /// <summary>Unused by current versions; kept for ORT's numbering.</summary>
    NoModel = 4,

    /// <summary>An execution engine or device failed.</summary>
    EngineError = 5,

    /// <summary>An exception was thrown inside ONNX Runtime.</summary>
    RuntimeException = 6,

    /// <summary>The model is not valid protobuf.</summary>
    InvalidProtobuf = 7,

    /// <summary>The session is in the wrong state for the call.</summary>
    ModelLoaded = 8,

    /// <summary>Something the model needs (often an operator or type) is not implemented.</summary>
    NotImplemented = 9,

    /// <summary>The graph is invalid (failed type or shape checks, unknown operators...).</summary>
    InvalidGraph = 10,

    /// <summary>An execution provider failed.</summary>
    EpFail = 11,

    /// <summary>Model loading was cancelled.</summary>
    ModelLoadCanceled = 12,

    /// <summary>The model must be compiled for an execution provider first.</summary>
    ModelRequiresCompilation = 13,

    /// <summary>Something looked up was not found.</summary>
    NotFound = 14,

    /// <summary>A device was reset.</summary>
    DeviceReset = 15,
}
