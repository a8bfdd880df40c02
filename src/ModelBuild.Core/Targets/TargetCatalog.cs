namespace ModelBuild.Core.Targets;

/// <summary>
/// The capability matrix, as data: every target ModelBuild knows, which precisions the target itself
/// supports, and which of those this version implements. The vendor targets are compiled by their vendors'
/// toolchains (<see cref="Toolchains.VendorToolchains"/>); openvino's INT8 precisions convert the QDQ model of
/// the pipeline's quantize step.
/// </summary>
public static class TargetCatalog
{
    public static readonly TargetCapability Onnx = new(
        "onnx",
        "ONNX model (QDQ for INT8), runs on ONNX Runtime",
        Supported: [Precision.FP32, Precision.FP16, Precision.FP32Int8, Precision.FP16Int8],
        Implemented: [Precision.FP32, Precision.FP16, Precision.FP32Int8, Precision.FP16Int8],
        OutputExtensions: [".onnx"])
    {
        KeepsFloatIo = true,
    };

    public static readonly TargetCapability Ort = new(
        "ort",
        "ONNX Runtime format, for minimal and mobile runtimes",
        Supported: [Precision.FP32, Precision.FP16, Precision.FP32Int8, Precision.FP16Int8],
        Implemented: [Precision.FP32, Precision.FP16, Precision.FP32Int8, Precision.FP16Int8],
        OutputExtensions: [".ort"])
    {
        KeepsFloatIo = true,
    };

    public static readonly TargetCapability OpenVino = new(
        "openvino",
        "OpenVINO IR, through OpenVINO's converter",
        Supported: [Precision.FP32, Precision.FP16, Precision.FP32Int8, Precision.FP16Int8],
        Implemented: [Precision.FP32, Precision.FP16, Precision.FP32Int8, Precision.FP16Int8],
        OutputExtensions: [".xml", ".bin"])
    {
        UsesVendorToolchain = true,
    };

    public static readonly TargetCapability Rvc2 = new(
        "rvc2",
        "Luxonis RVC2 (Myriad X) blob; the hardware runs FP16/FP32 only",
        Supported: [Precision.FP16, Precision.FP32],
        Implemented: [Precision.FP16, Precision.FP32],
        OutputExtensions: [".blob", ".superblob"])
    {
        BakesPreprocessing = true,
        UsesVendorToolchain = true,
    };

    public static readonly TargetCapability Rvc3 = new(
        "rvc3",
        "Luxonis RVC3 blob, INT8 through POT",
        Supported: [Precision.FP16, Precision.FP16Int8],
        Implemented: [Precision.FP16, Precision.FP16Int8],
        OutputExtensions: [".blob"])
    {
        BakesPreprocessing = true,
        UsesVendorToolchain = true,
    };

    public static readonly TargetCapability Rvc4 = new(
        "rvc4",
        "Luxonis RVC4 DLC through SNPE",
        Supported: [Precision.FP16, Precision.FP16Int8, Precision.FP32Int8],
        Implemented: [Precision.FP16, Precision.FP16Int8, Precision.FP32Int8],
        OutputExtensions: [".dlc"])
    {
        BakesPreprocessing = true,
        UsesVendorToolchain = true,
    };

    public static readonly TargetCapability Hailo = new(
        "hailo",
        "Hailo HEF through the Hailo Dataflow Compiler, INT8",
        Supported: [Precision.FP32Int8, Precision.FP16Int8],
        Implemented: [Precision.FP32Int8, Precision.FP16Int8],
        OutputExtensions: [".hef"])
    {
        BakesPreprocessing = true,
        UsesVendorToolchain = true,
    };

    /// <summary>Every target, in the order they are listed to users.</summary>
    public static IReadOnlyList<TargetCapability> All { get; } = [Onnx, Ort, OpenVino, Rvc2, Rvc3, Rvc4, Hailo];

    /// <summary>Finds a target by name, ignoring case.</summary>
    public static TargetCapability? Find(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
}
