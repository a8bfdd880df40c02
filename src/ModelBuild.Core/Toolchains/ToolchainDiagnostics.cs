using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Toolchains;

/// <summary>Diagnostics of the vendor toolchain layer (codes 6101 and up of the 6100 range).</summary>
public static class ToolchainDiagnostics
{
    public static readonly DiagnosticDescriptor ToolNotFound = new(
        "MB6101", DiagnosticSeverity.Error, "Target '{0}' needs {1} ({2}), which was not found. Looked for: {3}. {4}");

    public static readonly DiagnosticDescriptor ToolNotStarted = new(
        "MB6102", DiagnosticSeverity.Error, "Could not start {0} ('{1}'): {2}");

    public static readonly DiagnosticDescriptor ToolFailed = new(
        "MB6103", DiagnosticSeverity.Error, "{0} failed with exit code {1} (full log: {2}). Its last lines: {3}");

    public static readonly DiagnosticDescriptor ToolTimedOut = new(
        "MB6104", DiagnosticSeverity.Error, "{0} did not finish within {1} and was stopped with its child processes (full log: {2}). Its " +
            "last lines: {3}");

    public static readonly DiagnosticDescriptor ToolOutputMissing = new(
        "MB6105", DiagnosticSeverity.Error, "{0} finished without writing '{1}' (full log: {2}). Its last lines: {3}");

    public static readonly DiagnosticDescriptor PrecisionConflict = new(
        "MB6106", DiagnosticSeverity.Error, "Precision {0} for target '{1}' conflicts with '{2}: {3}' in the manifest; {4}");

    public static readonly DiagnosticDescriptor RouteCannotCompile = new(
        "MB6107", DiagnosticSeverity.Error, "Target '{0}' cannot be compiled {1}: {2}");

    public static readonly DiagnosticDescriptor CalibrationFolderEmpty = new(
        "MB6108",
        DiagnosticSeverity.Error,
        "Calibration folder '{0}' of input '{1}' holds no .jpg, .jpeg, .png, .bmp, .npy or .raw files.");

    public static readonly DiagnosticDescriptor CalibrationFileUnusable = new(
        "MB6109", DiagnosticSeverity.Error, "Calibration file '{0}' cannot be used for input '{1}': {2}");

    public static readonly DiagnosticDescriptor InputShapeNotFixed = new(
        "MB6110", DiagnosticSeverity.Error, "Input '{0}' needs a fixed shape for target '{1}', but its shape is {2}. Set inputs[].shape " +
            "in the manifest.");

    public static readonly DiagnosticDescriptor InvalidSuperblob = new(
        "MB6111", DiagnosticSeverity.Error, "'{0}' is not a valid superblob: {1}");

    public static readonly DiagnosticDescriptor QuantizedModelRequired = new(
        "MB6112", DiagnosticSeverity.Error, "Target '{0}' with Precision {1} converts an INT8 (QDQ) ONNX model, but '{2}' has no " +
            "QuantizeLinear/DequantizeLinear nodes.");

    public static readonly DiagnosticDescriptor SettingNotSupported = new(
        "MB6113", DiagnosticSeverity.Error, "'{0}' is not supported {1} yet: {2}");

    public static readonly DiagnosticDescriptor BuildInfoUnreadable = new(
        "MB6114", DiagnosticSeverity.Error, "'{0}' written by {1} cannot be read: {2}");

    public static readonly DiagnosticDescriptor CalibrationFolderMissing = new(
        "MB6115", DiagnosticSeverity.Error, "Calibration folder '{0}' of input '{1}' does not exist.");

    public static readonly DiagnosticDescriptor UnknownRoute = new(
        "MB6116", DiagnosticSeverity.Error, "Unknown vendor route '{0}'. Use 'modelconverter' or 'toolchain'.");

    public static readonly DiagnosticDescriptor ToolOverrideMalformed = new(
        "MB6117", DiagnosticSeverity.Error, "Tool path '{0}' is not of the form name=path (for example " +
            "compile_tool=/opt/intel/openvino/tools/compile_tool/compile_tool).");

    public static readonly DiagnosticDescriptor WorkFolderUnusable = new(
        "MB6118", DiagnosticSeverity.Error, "Cannot use the folder '{0}' for the vendor compile: {1}");

    public static readonly DiagnosticDescriptor ToolMissingNotCached = new(
        "MB6119", DiagnosticSeverity.Error, "{0} The cache holds no result of this compile made elsewhere either. Name the tool in the " +
            "ModelBuildToolchainPaths property ({1}=path), set {2}, or put it on PATH.");

    public static readonly DiagnosticDescriptor UnknownPackage = new(
        "MB6120", DiagnosticSeverity.Error, "Unknown Package '{0}' for model '{1}'. Use 'nnarchive' for an NN Archive, or leave it empty " +
            "for the compiled files.");

    public static readonly DiagnosticDescriptor PackageNeedsVendorTarget = new(
        "MB6121", DiagnosticSeverity.Error, "Package 'nnarchive' needs a vendor target ({0}); model '{1}' is compiled for '{2}'.");
}
