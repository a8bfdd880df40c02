using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// A ModelBuild precision in one vendor's own terms. <see cref="CompressToFp16"/> is OpenVINO's
/// <c>compress_to_fp16</c>; <see cref="Calibrate"/> says whether the quantizer runs (POT, snpe-dlc-quant,
/// the Hailo optimizer); <see cref="QuantizationMode"/> is RVC4's <c>quantization_mode</c>;
/// <see cref="ArchivePrecision"/> is what the NN Archive's <c>model.metadata.precision</c> says.
/// </summary>
public sealed record VendorPrecisionSettings(bool CompressToFp16, bool Calibrate, string? QuantizationMode, string ArchivePrecision)
{
    /// <summary>OpenVINO targets given an INT8 precision convert a QDQ model, which the pipeline's quantize step makes.</summary>
    public bool NeedsQuantizedModel { get; init; }
}

/// <summary>
/// Maps ModelBuild's precision names onto each vendor's settings. The <c>Precision</c> a project asks for
/// decides; a manifest value that contradicts it is an error (MB6106) rather than silently ignored.
/// </summary>
public static class VendorPrecisionMapping
{
    /// <summary>RVC4 modes that quantize to INT8 activations and weights (or the user's own SNPE arguments).</summary>
    public static IReadOnlyList<string> Rvc4Int8Modes { get; } =
        ["INT8_STANDARD", "INT8_ACCURACY_FOCUSED", "INT8_INT16_MIXED", "INT8_INT16_MIXED_ACCURACY_FOCUSED", "CUSTOM"];

    /// <summary>The settings for <paramref name="precision"/> on <paramref name="target"/>; MB6003 or MB6106 when they cannot be
    /// met.</summary>
    /// <param name="target">One of rvc2, rvc3, rvc4, hailo, openvino.</param>
    /// <param name="precision">The precision asked for.</param>
    /// <param name="vendors">The manifest's vendor sections.</param>
    /// <param name="at">Where the precision was asked for (diagnostics about a conflict point there).</param>
    public static VendorPrecisionSettings Resolve(TargetCapability target, Precision precision, VendorOptions vendors, SourceLocation? at)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(precision);
        ArgumentNullException.ThrowIfNull(vendors);
        if (!target.Supported.Contains(precision))
        {
            throw new DiagnosticException(TargetSelection.Unsupported(target, precision, at));
        }

        switch (target.Name)
        {
            case "rvc2":
                if (precision == Precision.FP16)
                {
                    Require(
                        vendors.Rvc2.CompressToFp16,
                        precision,
                        target,
                        "rvc2.compress_to_fp16",
                        "false",
                        "remove it, or ask for Precision FP32.",
                        at);
                }

                return new VendorPrecisionSettings(
                    precision == Precision.FP16,
                    Calibrate: false,
                    null,
                    precision == Precision.FP16 ? "float16" : "float32");

            case "rvc3":
                Require(
                    vendors.Rvc3.CompressToFp16,
                    precision,
                    target,
                    "rvc3.compress_to_fp16",
                    "false",
                    "RVC3 blobs are FP16 (or INT8 with FP16 for the rest); remove it.",
                    at);
                if (precision.Quantized)
                {
                    Require(
                        !vendors.Rvc3.DisableCalibration,
                        precision,
                        target,
                        "rvc3.disable_calibration",
                        "true",
                        "INT8 needs calibration; remove it, or ask for Precision FP16.",
                        at);
                }

                return new VendorPrecisionSettings(true, precision.Quantized, null, precision.Quantized ? "int8" : "float16");

            case "rvc4":
                var mode = vendors.Rvc4.QuantizationMode;
                if (!precision.Quantized)
                {
                    // INT8_STANDARD is the manifest's default: asking for FP16 replaces it.
                    Require(
                        mode is "INT8_STANDARD" or "FP16_STANDARD",
                        precision,
                        target,
                        "rvc4.quantization_mode",
                        mode,
                        "FP16 is quantization_mode FP16_STANDARD; remove the key, or ask for Precision FP16-INT8.",
                        at);
                    return new VendorPrecisionSettings(false, Calibrate: false, "FP16_STANDARD", "float16");
                }

                Require(
                    Rvc4Int8Modes.Contains(mode),
                    precision,
                    target,
                    "rvc4.quantization_mode",
                    mode,
                    $"an INT8 precision needs one of {string.Join(", ", Rvc4Int8Modes)}, or ask for Precision FP16.",
                    at);
                Require(
                    !vendors.Rvc4.DisableCalibration,
                    precision,
                    target,
                    "rvc4.disable_calibration",
                    "true",
                    "INT8 needs calibration; remove it, or ask for Precision FP16.",
                    at);
                return new VendorPrecisionSettings(false, Calibrate: true, mode, "int8");

            case "hailo":
                Require(
                    !vendors.Hailo.DisableCalibration,
                    precision,
                    target,
                    "hailo.disable_calibration",
                    "true",
                    "a .hef is always INT8 and needs calibration; remove it.",
                    at);
                Require(
                    !vendors.Hailo.DisableCompilation,
                    precision,
                    target,
                    "hailo.disable_compilation",
                    "true",
                    "without compilation there is no .hef; remove it.",
                    at);
                return new VendorPrecisionSettings(false, Calibrate: true, null, "int8");

            case "openvino":
                return new VendorPrecisionSettings(
                    precision.HalfFloat,
                    Calibrate: false,
                    null,
                    precision.Quantized ? "int8" : precision.HalfFloat ? "float16" : "float32")
                {
                    NeedsQuantizedModel = precision.Quantized,
                };

            default:
                throw new ArgumentException($"'{target.Name}' is not a vendor target.", nameof(target));
        }
    }

    private static void Require(
        bool condition,
        Precision precision,
        TargetCapability target,
        string key,
        string value,
        string advice,
        SourceLocation? at)
    {
        if (!condition)
        {
            throw new DiagnosticException(ToolchainDiagnostics.PrecisionConflict.Create(at, precision, target.Name, key, value, advice));
        }
    }
}
