using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// The diagnostics of calibration data and calibrators (section "Calibration and quantization" of
/// docs/diagnostics.md, its first half; one row per code).
/// </summary>
public static class CalibrationDiagnostics
{
    /// <summary>{0} the folder (absolute), {1} the input.</summary>
    public static readonly DiagnosticDescriptor FolderNotFound = new(
        "MB8101", DiagnosticSeverity.Error, "Calibration folder '{0}' for input '{1}' was not found.");

    /// <summary>{0} the folder, {1} the input, {2} the extensions looked for.</summary>
    public static readonly DiagnosticDescriptor FolderEmpty = new(
        "MB8102", DiagnosticSeverity.Error, "Calibration folder '{0}' for input '{1}' holds no calibration files ({2}).");

    /// <summary>{0} an input, {1} its file count, {2} another input, {3} its file count.</summary>
    public static readonly DiagnosticDescriptor CountsDiffer = new(
        "MB8103", DiagnosticSeverity.Error,
        "Input '{0}' has {1} calibration samples but input '{2}' has {3}; the inputs of a model are paired by sorted file name, so each " +
            "needs the same number.");

    /// <summary>{0} the file, {1} what it holds, {2} the input, {3} what the input takes.</summary>
    public static readonly DiagnosticDescriptor NpyDoesNotFit = new(
        "MB8104", DiagnosticSeverity.Error, "'{0}' holds a {1} array, but input '{2}' takes {3}.");

    /// <summary>{0} the file, {1} its size, {2} the input, {3} its type and shape, {4} the bytes needed.</summary>
    public static readonly DiagnosticDescriptor RawSizeMismatch = new(
        "MB8105", DiagnosticSeverity.Error,
        "'{0}' has {1} bytes, but input '{2}' ({3}) needs {4}; a .raw file holds the input tensor as is (little-endian, no header).");

    /// <summary>{0} the input, {1} its shape.</summary>
    public static readonly DiagnosticDescriptor ShapeNotFixed = new(
        "MB8106", DiagnosticSeverity.Error,
        "Input '{0}' has shape {1}; calibration needs every dimension fixed. Give the input a shape (inputs[].shape in the manifest, or " +
            "--shape).");

    /// <summary>{0} the input, {1} its shape, {2} its layout.</summary>
    public static readonly DiagnosticDescriptor NotAnImageInput = new(
        "MB8107", DiagnosticSeverity.Error,
        "Input '{0}' (shape {1}, layout {2}) cannot be fed images: an image input has the dimensions C, H and W (and N = 1 when it has a " +
            "batch) with 1 or 3 channels.");

    /// <summary>{0} the input, {1} its element type.</summary>
    public static readonly DiagnosticDescriptor ImageElementType = new(
        "MB8108", DiagnosticSeverity.Error,
        "Input '{0}' takes {1} tensors; images can feed float or uint8 inputs only. Calibrate it with .npy or .raw files.");

    /// <summary>{0} the input, {1} the stage.</summary>
    public static readonly DiagnosticDescriptor LinkedCalibration = new(
        "MB8109", DiagnosticSeverity.Error,
        "The calibration of input '{0}' links to stage '{1}'; only a stage of a multi-stage manifest, compiled whole, calibrates on " +
            "another stage's outputs.");

    /// <summary>{0} the path.</summary>
    public static readonly DiagnosticDescriptor PathNotFolder = new(
        "MB8110", DiagnosticSeverity.Error,
        "Calibration path '{0}' is not a folder or an archive (.zip, .tar, .tar.gz, .tar.xz), or is a remote source a dry run does " +
            "not fetch.");

    /// <summary>{0} the source.</summary>
    public static readonly DiagnosticDescriptor RemoteNotArchive = new(
        "MB8190", DiagnosticSeverity.Error,
        "Calibration source '{0}' is not an archive: a calibration set from a remote source is one .zip, .tar, .tar.gz or .tar.xz " +
            "file, fetched and unpacked through the cache.");

    /// <summary>{0} the input, {1} the script.</summary>
    public static readonly DiagnosticDescriptor ScriptNeedsPython = new(
        "MB8191", DiagnosticSeverity.Error,
        "The calibration of input '{0}' is the Python script '{1}', and no python3 was found (MODELBUILD_PYTHON3, PATH); " +
            "calibration scripts need Python.");

    /// <summary>{0} the input, {1} the script, {2} the python3 found.</summary>
    public static readonly DiagnosticDescriptor ScriptNotSupported = new(
        "MB8192", DiagnosticSeverity.Error,
        "The calibration of input '{0}' is the Python script '{1}'; python3 was found ({2}), but ModelBuild does not run calibration " +
            "scripts yet. Calibrate with files, an archive or random data.");

    /// <summary>{0} the file, {1} why.</summary>
    public static readonly DiagnosticDescriptor FileUnreadable = new(
        "MB8111", DiagnosticSeverity.Error, "Cannot read calibration file '{0}': {1}");

    /// <summary>{0} why there is none.</summary>
    public static readonly DiagnosticDescriptor NoData = new(
        "MB8112", DiagnosticSeverity.Error, "There is no calibration data: {0}");

    /// <summary>{0} the sample, {1} ONNX Runtime's or the binding's reason.</summary>
    public static readonly DiagnosticDescriptor SampleFailed = new(
        "MB8113", DiagnosticSeverity.Error, "The model could not be run on calibration sample '{0}': {1}");

    /// <summary>{0} the input, {1} its element type.</summary>
    public static readonly DiagnosticDescriptor RandomTypeUnsupported = new(
        "MB8114", DiagnosticSeverity.Error, "Input '{0}' takes {1} tensors, for which random calibration data cannot be made; calibrate " +
            "it with .npy or .raw files.");

    /// <summary>{0} the input, {1} min_value, {2} max_value, {3} std.</summary>
    public static readonly DiagnosticDescriptor RandomRangeInvalid = new(
        "MB8115", DiagnosticSeverity.Error,
        "Random calibration for input '{0}' needs min_value <= max_value and std >= 0; it has min_value {1}, max_value {2}, std {3}.");

    /// <summary>{0} the input, {1} its channel count, {2} the encoding, {3} the channels it gives.</summary>
    public static readonly DiagnosticDescriptor ChannelsDoNotMatchEncoding = new(
        "MB8116", DiagnosticSeverity.Error, "Input '{0}' has {1} channels, but encoding {2} gives {3}.");

    /// <summary>{0} the option, {1} its value, {2} what is valid.</summary>
    public static readonly DiagnosticDescriptor InvalidCalibratorOption = new(
        "MB8117", DiagnosticSeverity.Error, "Calibrator option {0} = {1} is invalid: {2}.");

    /// <summary>{0} the input name, {1} the model's inputs.</summary>
    public static readonly DiagnosticDescriptor UnknownInput = new(
        "MB8118", DiagnosticSeverity.Error, "Calibration data is given for '{0}', which is not an input of the model. Its inputs: {1}.");

    /// <summary>{0} the input, {1} the model's inputs.</summary>
    public static readonly DiagnosticDescriptor MissingInput = new(
        "MB8119", DiagnosticSeverity.Error, "No calibration data is given for input '{0}'. The model's inputs: {1}.");

    /// <summary>{0} the input, {1} the number of samples, {2} the mean, {3} the standard deviation, {4} the low and {5} the high
    /// clip.</summary>
    public static readonly DiagnosticDescriptor RandomByDefault = new(
        "MB8120", DiagnosticSeverity.Warning,
        "Input '{0}' has no calibration data, so INT8 ranges come from {1} random samples (normal around {2}, standard deviation {3}, " +
            "within [{4}, {5}]) that may look nothing like real inputs. Give a folder of samples: 'calibration: {{path: <folder>}}' in " +
                "the manifest, or the Calibration metadata.");

    /// <summary>{0} folder, {1} input, {2} how many files are skipped, {3} the first names, {4} the extensions read.</summary>
    public static readonly DiagnosticDescriptor FilesSkipped = new(
        "MB8030", DiagnosticSeverity.Warning,
        "Calibration folder '{0}' of input '{1}' holds {2} file(s) that are not calibration data and are not used: {3}. Calibration " +
            "files are {4}.");
}
