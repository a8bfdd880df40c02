namespace ModelBuild.Runtime;

/// <summary>
/// The functions of ONNX Runtime's C API this binding uses, read from the <c>OrtApi</c> table.
/// The table is an array of function pointers whose order is fixed (new versions only append),
/// so each function is found by its index in <c>struct OrtApi</c> of <c>onnxruntime_c_api.h</c>.
/// Every pointer to an ORT object is an <see cref="nint"/>; <c>OrtStatus*</c> results are 0 on success.
/// </summary>
/// <remarks>
/// The calling convention is the platform default (<c>unmanaged</c> without a modifier), which is what
/// <c>ORT_API_CALL</c> means: <c>__stdcall</c> on Windows and the C convention elsewhere. On x64 and arm64
/// both are the same convention.
/// </remarks>
internal sealed unsafe class OrtApi
{
    /// <summary>
    /// The API version requested from <c>OrtGetApiBase()->GetApi</c>: the lowest that has every function
    /// below. <c>AddSessionConfigEntry</c> (index 130) is the newest of them; it arrived in version 5.
    /// </summary>
    public const uint RequestedVersion = 5;

    /// <summary>The API version that added <c>TensorTypeAndShape_HasShape</c> (ORT 1.24), used when the runtime has it.</summary>
    public const uint HasShapeVersion = 24;

    /// <param name="table">The table returned for <see cref="RequestedVersion"/>.</param>
    /// <param name="hasShapeVersion">Whether the runtime also provides <see cref="HasShapeVersion"/>.</param>
    public OrtApi(void** table, bool hasShapeVersion)
    {
        GetErrorCode = (delegate* unmanaged<nint, int>)table[1];
        GetErrorMessage = (delegate* unmanaged<nint, byte*>)table[2];
        CreateEnv = (delegate* unmanaged<int, byte*, nint*, nint>)table[3];
        CreateSession = (delegate* unmanaged<nint, void*, nint, nint*, nint>)table[7];
        CreateSessionFromArray = (delegate* unmanaged<nint, void*, nuint, nint, nint*, nint>)table[8];
        Run = (delegate* unmanaged<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint>)table[9];
        CreateSessionOptions = (delegate* unmanaged<nint*, nint>)table[10];
        SetOptimizedModelFilePath = (delegate* unmanaged<nint, void*, nint>)table[11];
        SetSessionLogSeverityLevel = (delegate* unmanaged<nint, int, nint>)table[22];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged<nint, int, nint>)table[23];
        SetIntraOpNumThreads = (delegate* unmanaged<nint, int, nint>)table[24];
        SetInterOpNumThreads = (delegate* unmanaged<nint, int, nint>)table[25];
        SessionGetInputCount = (delegate* unmanaged<nint, nuint*, nint>)table[30];
        SessionGetOutputCount = (delegate* unmanaged<nint, nuint*, nint>)table[31];
        SessionGetInputTypeInfo = (delegate* unmanaged<nint, nuint, nint*, nint>)table[33];
        SessionGetOutputTypeInfo = (delegate* unmanaged<nint, nuint, nint*, nint>)table[34];
        SessionGetInputName = (delegate* unmanaged<nint, nuint, nint, byte**, nint>)table[36];
        SessionGetOutputName = (delegate* unmanaged<nint, nuint, nint, byte**, nint>)table[37];
        CreateRunOptions = (delegate* unmanaged<nint*, nint>)table[39];
        RunOptionsSetTerminate = (delegate* unmanaged<nint, nint>)table[46];
        CreateTensorAsOrtValue = (delegate* unmanaged<nint, long*, nuint, int, nint*, nint>)table[48];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)table[49];
        GetTensorMutableData = (delegate* unmanaged<nint, void**, nint>)table[51];
        FillStringTensor = (delegate* unmanaged<nint, byte**, nuint, nint>)table[52];
        GetStringTensorDataLength = (delegate* unmanaged<nint, nuint*, nint>)table[53];
        GetStringTensorContent = (delegate* unmanaged<nint, void*, nuint, nuint*, nuint, nint>)table[54];
        CastTypeInfoToTensorInfo = (delegate* unmanaged<nint, nint*, nint>)table[55];
        GetOnnxTypeFromTypeInfo = (delegate* unmanaged<nint, int*, nint>)table[56];
        GetTensorElementType = (delegate* unmanaged<nint, int*, nint>)table[60];
        GetDimensionsCount = (delegate* unmanaged<nint, nuint*, nint>)table[61];
        GetDimensions = (delegate* unmanaged<nint, long*, nuint, nint>)table[62];
        GetSymbolicDimensions = (delegate* unmanaged<nint, byte**, nuint, nint>)table[63];
        GetTensorShapeElementCount = (delegate* unmanaged<nint, nuint*, nint>)table[64];
        GetTensorTypeAndShape = (delegate* unmanaged<nint, nint*, nint>)table[65];
        GetValueType = (delegate* unmanaged<nint, int*, nint>)table[67];
        CreateCpuMemoryInfo = (delegate* unmanaged<int, int, nint*, nint>)table[69];
        MemoryInfoGetName = (delegate* unmanaged<nint, byte**, nint>)table[71];
        AllocatorFree = (delegate* unmanaged<nint, void*, nint>)table[76];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged<nint*, nint>)table[78];
        ReleaseEnv = (delegate* unmanaged<nint, void>)table[92];
        ReleaseStatus = (delegate* unmanaged<nint, void>)table[93];
        ReleaseMemoryInfo = (delegate* unmanaged<nint, void>)table[94];
        ReleaseSession = (delegate* unmanaged<nint, void>)table[95];
        ReleaseValue = (delegate* unmanaged<nint, void>)table[96];
        ReleaseRunOptions = (delegate* unmanaged<nint, void>)table[97];
        ReleaseTypeInfo = (delegate* unmanaged<nint, void>)table[98];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged<nint, void>)table[99];
        ReleaseSessionOptions = (delegate* unmanaged<nint, void>)table[100];
        AddSessionConfigEntry = (delegate* unmanaged<nint, byte*, byte*, nint>)table[130];
        TensorTypeAndShapeHasShape = hasShapeVersion ? (delegate* unmanaged<nint, byte>)table[390] : null;
    }

    /// <summary>[1] OrtErrorCode GetErrorCode(const OrtStatus*)</summary>
    public readonly delegate* unmanaged<nint, int> GetErrorCode;

    /// <summary>[2] const char* GetErrorMessage(const OrtStatus*)</summary>
    public readonly delegate* unmanaged<nint, byte*> GetErrorMessage;

    /// <summary>[3] CreateEnv(OrtLoggingLevel, const char* logid, OrtEnv** out)</summary>
    public readonly delegate* unmanaged<int, byte*, nint*, nint> CreateEnv;

    /// <summary>[7] CreateSession(const OrtEnv*, const ORTCHAR_T* path, const OrtSessionOptions*, OrtSession** out)</summary>
    public readonly delegate* unmanaged<nint, void*, nint, nint*, nint> CreateSession;

    /// <summary>[8] CreateSessionFromArray(const OrtEnv*, const void* data, size_t length, const OrtSessionOptions*, OrtSession** out)</summary>
    public readonly delegate* unmanaged<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray;

    /// <summary>[9] Run(OrtSession*, const OrtRunOptions*, const char* const* input_names, const OrtValue* const* inputs, size_t input_len, const char* const* output_names, size_t output_len, OrtValue** outputs)</summary>
    public readonly delegate* unmanaged<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint> Run;

    /// <summary>[10] CreateSessionOptions(OrtSessionOptions** out)</summary>
    public readonly delegate* unmanaged<nint*, nint> CreateSessionOptions;

    /// <summary>[11] SetOptimizedModelFilePath(OrtSessionOptions*, const ORTCHAR_T* path)</summary>
    public readonly delegate* unmanaged<nint, void*, nint> SetOptimizedModelFilePath;

    /// <summary>[22] SetSessionLogSeverityLevel(OrtSessionOptions*, int)</summary>
    public readonly delegate* unmanaged<nint, int, nint> SetSessionLogSeverityLevel;

    /// <summary>[23] SetSessionGraphOptimizationLevel(OrtSessionOptions*, GraphOptimizationLevel)</summary>
    public readonly delegate* unmanaged<nint, int, nint> SetSessionGraphOptimizationLevel;

    /// <summary>[24] SetIntraOpNumThreads(OrtSessionOptions*, int)</summary>
    public readonly delegate* unmanaged<nint, int, nint> SetIntraOpNumThreads;

    /// <summary>[25] SetInterOpNumThreads(OrtSessionOptions*, int)</summary>
    public readonly delegate* unmanaged<nint, int, nint> SetInterOpNumThreads;

    /// <summary>[30] SessionGetInputCount(const OrtSession*, size_t* out)</summary>
    public readonly delegate* unmanaged<nint, nuint*, nint> SessionGetInputCount;

    /// <summary>[31] SessionGetOutputCount(const OrtSession*, size_t* out)</summary>
    public readonly delegate* unmanaged<nint, nuint*, nint> SessionGetOutputCount;

    /// <summary>[33] SessionGetInputTypeInfo(const OrtSession*, size_t index, OrtTypeInfo** out)</summary>
    public readonly delegate* unmanaged<nint, nuint, nint*, nint> SessionGetInputTypeInfo;

    /// <summary>[34] SessionGetOutputTypeInfo(const OrtSession*, size_t index, OrtTypeInfo** out)</summary>
    public readonly delegate* unmanaged<nint, nuint, nint*, nint> SessionGetOutputTypeInfo;

    /// <summary>[36] SessionGetInputName(const OrtSession*, size_t index, OrtAllocator*, char** out)</summary>
    public readonly delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetInputName;

    /// <summary>[37] SessionGetOutputName(const OrtSession*, size_t index, OrtAllocator*, char** out)</summary>
    public readonly delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetOutputName;

    /// <summary>[39] CreateRunOptions(OrtRunOptions** out)</summary>
    public readonly delegate* unmanaged<nint*, nint> CreateRunOptions;

    /// <summary>[46] RunOptionsSetTerminate(OrtRunOptions*)</summary>
    public readonly delegate* unmanaged<nint, nint> RunOptionsSetTerminate;

    /// <summary>[48] CreateTensorAsOrtValue(OrtAllocator*, const int64_t* shape, size_t shape_len, ONNXTensorElementDataType, OrtValue** out)</summary>
    public readonly delegate* unmanaged<nint, long*, nuint, int, nint*, nint> CreateTensorAsOrtValue;

    /// <summary>[49] CreateTensorWithDataAsOrtValue(const OrtMemoryInfo*, void* data, size_t data_len, const int64_t* shape, size_t shape_len, ONNXTensorElementDataType, OrtValue** out)</summary>
    public readonly delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue;

    /// <summary>[51] GetTensorMutableData(OrtValue*, void** out)</summary>
    public readonly delegate* unmanaged<nint, void**, nint> GetTensorMutableData;

    /// <summary>[52] FillStringTensor(OrtValue*, const char* const* s, size_t s_len)</summary>
    public readonly delegate* unmanaged<nint, byte**, nuint, nint> FillStringTensor;

    /// <summary>[53] GetStringTensorDataLength(const OrtValue*, size_t* len)</summary>
    public readonly delegate* unmanaged<nint, nuint*, nint> GetStringTensorDataLength;

    /// <summary>[54] GetStringTensorContent(const OrtValue*, void* s, size_t s_len, size_t* offsets, size_t offsets_len)</summary>
    public readonly delegate* unmanaged<nint, void*, nuint, nuint*, nuint, nint> GetStringTensorContent;

    /// <summary>[55] CastTypeInfoToTensorInfo(const OrtTypeInfo*, const OrtTensorTypeAndShapeInfo** out) — the result is owned by the type info.</summary>
    public readonly delegate* unmanaged<nint, nint*, nint> CastTypeInfoToTensorInfo;

    /// <summary>[56] GetOnnxTypeFromTypeInfo(const OrtTypeInfo*, ONNXType* out)</summary>
    public readonly delegate* unmanaged<nint, int*, nint> GetOnnxTypeFromTypeInfo;

    /// <summary>[60] GetTensorElementType(const OrtTensorTypeAndShapeInfo*, ONNXTensorElementDataType* out)</summary>
    public readonly delegate* unmanaged<nint, int*, nint> GetTensorElementType;

    /// <summary>[61] GetDimensionsCount(const OrtTensorTypeAndShapeInfo*, size_t* out)</summary>
    public readonly delegate* unmanaged<nint, nuint*, nint> GetDimensionsCount;

    /// <summary>[62] GetDimensions(const OrtTensorTypeAndShapeInfo*, int64_t* dims, size_t length)</summary>
    public readonly delegate* unmanaged<nint, long*, nuint, nint> GetDimensions;

    /// <summary>[63] GetSymbolicDimensions(const OrtTensorTypeAndShapeInfo*, const char** dim_params, size_t length)</summary>
    public readonly delegate* unmanaged<nint, byte**, nuint, nint> GetSymbolicDimensions;

    /// <summary>[64] GetTensorShapeElementCount(const OrtTensorTypeAndShapeInfo*, size_t* out)</summary>
    public readonly delegate* unmanaged<nint, nuint*, nint> GetTensorShapeElementCount;

    /// <summary>[65] GetTensorTypeAndShape(const OrtValue*, OrtTensorTypeAndShapeInfo** out) — the result is owned by the caller.</summary>
    public readonly delegate* unmanaged<nint, nint*, nint> GetTensorTypeAndShape;

    /// <summary>[67] GetValueType(const OrtValue*, ONNXType* out)</summary>
    public readonly delegate* unmanaged<nint, int*, nint> GetValueType;

    /// <summary>[69] CreateCpuMemoryInfo(OrtAllocatorType, OrtMemType, OrtMemoryInfo** out)</summary>
    public readonly delegate* unmanaged<int, int, nint*, nint> CreateCpuMemoryInfo;

    /// <summary>[71] MemoryInfoGetName(const OrtMemoryInfo*, const char** out)</summary>
    public readonly delegate* unmanaged<nint, byte**, nint> MemoryInfoGetName;

    /// <summary>[76] AllocatorFree(OrtAllocator*, void* p)</summary>
    public readonly delegate* unmanaged<nint, void*, nint> AllocatorFree;

    /// <summary>[78] GetAllocatorWithDefaultOptions(OrtAllocator** out) — a process-wide allocator that is never released.</summary>
    public readonly delegate* unmanaged<nint*, nint> GetAllocatorWithDefaultOptions;

    /// <summary>[92] ReleaseEnv(OrtEnv*)</summary>
    public readonly delegate* unmanaged<nint, void> ReleaseEnv;

    /// <summary>[93] ReleaseStatus(OrtStatus*)</summary>
    public readonly delegate* unmanaged<nint, void> ReleaseStatus;

    /// <summary>[94] ReleaseMemoryInfo(OrtMemoryInfo*)</summary>
    public readonly delegate* unmanaged<nint, void> ReleaseMemoryInfo;

    /// <summary>[95] ReleaseSession(OrtSession*)</summary>
    public readonly delegate* unmanaged<nint, void> ReleaseSession;

    /// <summary>[96] ReleaseValue(OrtValue*)</summary>
    public readonly delegate* unmanaged<nint, void> ReleaseValue;

    /// <summary>[97] ReleaseRunOptions(OrtRunOptions*)</summary>
    public readonly delegate* unmanaged<nint, void> ReleaseRunOptions;

    /// <summary>[98] ReleaseTypeInfo(OrtTypeInfo*)</summary>
    public readonly delegate* unmanaged<nint, void> ReleaseTypeInfo;

    /// <summary>[99] ReleaseTensorTypeAndShapeInfo(OrtTensorTypeAndShapeInfo*)</summary>
    public readonly delegate* unmanaged<nint, void> ReleaseTensorTypeAndShapeInfo;

    /// <summary>[100] ReleaseSessionOptions(OrtSessionOptions*)</summary>
    public readonly delegate* unmanaged<nint, void> ReleaseSessionOptions;

    /// <summary>[130] AddSessionConfigEntry(OrtSessionOptions*, const char* key, const char* value)</summary>
    public readonly delegate* unmanaged<nint, byte*, byte*, nint> AddSessionConfigEntry;

    /// <summary>
    /// [390] bool TensorTypeAndShape_HasShape(const OrtTensorTypeAndShapeInfo*), or null before API 24.
    /// Optional: only it tells a declared scalar from a tensor whose shape the model does not declare.
    /// </summary>
    public readonly delegate* unmanaged<nint, byte> TensorTypeAndShapeHasShape;
}
