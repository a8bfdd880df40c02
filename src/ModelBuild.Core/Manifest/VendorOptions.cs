namespace ModelBuild.Core.Manifest;

/// <summary>
/// The vendor sections of a stage (<c>hailo</c>, <c>rvc2</c>, <c>rvc3</c>, <c>rvc4</c>) with ModelConverter's
/// defaults. The manifest only validates them; the vendor targets use them.
/// </summary>
public sealed record VendorOptions(HailoOptions Hailo, Rvc2Options Rvc2, Rvc3Options Rvc3, Rvc4Options Rvc4)
{
    public static VendorOptions Default { get; } = new(new HailoOptions(), new Rvc2Options(), new Rvc3Options(), new Rvc4Options());
}

/// <summary>The <c>hailo</c> section (Hailo Dataflow Compiler).</summary>
public sealed record HailoOptions(
    bool DisableCalibration = false,
    bool ForceOnnxNames = true,
    int OptimizationLevel = 2,
    int CompressionLevel = 2,
    int BatchSize = 8,
    bool DisableCompilation = false,
    IReadOnlyList<string>? Alls = null,
    string HwArch = "hailo8")
{
    /// <summary>Extra model-script lines; never null.</summary>
    public IReadOnlyList<string> Alls { get; init; } = Alls ?? [];
}

/// <summary>The <c>rvc2</c> section (OpenVINO 2022.3 and compile_tool for MYRIAD).</summary>
public sealed record Rvc2Options(
    bool DisableCalibration = false,
    IReadOnlyList<string>? MoArgs = null,
    IReadOnlyList<string>? CompileToolArgs = null,
    bool CompressToFp16 = true,
    int NumberOfShaves = 8,
    bool Superblob = true,
    int? Workers = null)
{
    public IReadOnlyList<string> MoArgs { get; init; } = MoArgs ?? [];

    public IReadOnlyList<string> CompileToolArgs { get; init; } = CompileToolArgs ?? [];
}

/// <summary>The <c>rvc3</c> section (OpenVINO with POT, compile_tool for VPUX).</summary>
public sealed record Rvc3Options(
    bool DisableCalibration = false,
    IReadOnlyList<string>? MoArgs = null,
    IReadOnlyList<string>? CompileToolArgs = null,
    bool CompressToFp16 = true,
    string PotTargetDevice = "VPU")
{
    public IReadOnlyList<string> MoArgs { get; init; } = MoArgs ?? [];

    public IReadOnlyList<string> CompileToolArgs { get; init; } = CompileToolArgs ?? [];
}

/// <summary>
/// The <c>rvc4</c> section (Qualcomm SNPE). <see cref="Encodings"/> holds AIMET-style quantization
/// overrides as written (a mapping, or text naming a file or holding JSON).
/// </summary>
public sealed record Rvc4Options(
    bool DisableCalibration = false,
    IReadOnlyList<string>? SnpeOnnxToDlcArgs = null,
    IReadOnlyList<string>? SnpeDlcQuantArgs = null,
    IReadOnlyList<string>? SnpeDlcGraphPrepareArgs = null,
    bool KeepRawImages = false,
    bool UsePerChannelQuantization = true,
    bool UsePerRowQuantization = false,
    int OptimizationLevel = 2,
    string QuantizationMode = "INT8_STANDARD",
    IReadOnlyList<string>? HtpSocs = null,
    ManifestNode? Encodings = null)
{
    public IReadOnlyList<string> SnpeOnnxToDlcArgs { get; init; } = SnpeOnnxToDlcArgs ?? [];

    public IReadOnlyList<string> SnpeDlcQuantArgs { get; init; } = SnpeDlcQuantArgs ?? [];

    public IReadOnlyList<string> SnpeDlcGraphPrepareArgs { get; init; } = SnpeDlcGraphPrepareArgs ?? [];

    public IReadOnlyList<string> HtpSocs { get; init; } = HtpSocs ?? ["sm8550"];
}
