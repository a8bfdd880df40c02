using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest.OpenModelZoo;

/// <summary>The diagnostics of Open Model Zoo <c>model.yml</c> files, codes MB2101–MB2109, MB2113 and MB2116–MB2120. YAML and type problems
/// use the manifest's codes.</summary>
public static class OpenModelZooDiagnostics
{
    /// <summary>The model's folder name is not a valid model name.</summary>
    public static readonly DiagnosticDescriptor InvalidModelName = new(
        "MB2101", DiagnosticSeverity.Error,
        "The model folder name '{0}' is not a valid Open Model Zoo model name; use only letters, digits, '.', '_' and '-'.");

    /// <summary>A file or postprocessing path that is absolute or climbs out of the model's folder.</summary>
    public static readonly DiagnosticDescriptor PathNotRelative = new(
        "MB2102", DiagnosticSeverity.Error,
        "'{0}' must be a relative path inside the model's folder (no leading '/', drive or '..'); found '{1}'.");

    /// <summary>A checksum that is not a SHA-384.</summary>
    public static readonly DiagnosticDescriptor InvalidChecksum = new(
        "MB2103", DiagnosticSeverity.Error,
        "'{0}' must be a SHA-384 digest of 96 hexadecimal characters; found {1}.");

    /// <summary>Two files with the same name.</summary>
    public static readonly DiagnosticDescriptor DuplicateFile = new(
        "MB2104", DiagnosticSeverity.Error,
        "The file '{0}' is listed twice; it is first listed at line {1}.");

    /// <summary>conversion_to_onnx_args missing for, or given to, a framework.</summary>
    public static readonly DiagnosticDescriptor ConversionArgsMismatch = new(
        "MB2105", DiagnosticSeverity.Error,
        "{0}");

    /// <summary>A model that is neither IR nor convertible.</summary>
    public static readonly DiagnosticDescriptor NoConversion = new(
        "MB2106", DiagnosticSeverity.Error,
        "The model is not in OpenVINO IR form (framework '{0}'), but has no model_optimizer_args to convert it.");

    /// <summary>An IR precision folder without its .xml or .bin.</summary>
    public static readonly DiagnosticDescriptor IncompleteIrPrecision = new(
        "MB2107", DiagnosticSeverity.Error,
        "Precision {0} has no '{1}' file; an IR model needs <precision>/{2}.xml and <precision>/{2}.bin.");

    /// <summary>An invalid regex in regex_replace.</summary>
    public static readonly DiagnosticDescriptor InvalidPattern = new(
        "MB2108", DiagnosticSeverity.Error,
        "'{0}' is not a valid regular expression: {1}");

    /// <summary>A key Open Model Zoo does not know; its tools ignore it, and so does ModelBuild.</summary>
    public static readonly DiagnosticDescriptor UnknownKey = new(
        "MB2109", DiagnosticSeverity.Warning,
        "Unknown key '{0}' is ignored, as Open Model Zoo's tools ignore it.{1}");

    /// <summary>A postprocessing step that fails: a pattern without matches, a missing archive.</summary>
    public static readonly DiagnosticDescriptor PostprocessingFailed = new(
        "MB2113", DiagnosticSeverity.Error,
        "Postprocessing of {0} failed on '{1}': {2}");

    /// <summary>A model.yml manifest of OpenVINO IR files.</summary>
    public static readonly DiagnosticDescriptor IrNotSupported = new(
        "MB2116", DiagnosticSeverity.Error,
        "framework 'dldt' is OpenVINO IR, which a build's ONNX pipeline cannot take. Download it and compile its .xml for rvc2, rvc3 " +
            "or openvino with 'modelbuild vendor-compile', or use the model's ONNX form (framework: onnx).");

    /// <summary>A model.yml manifest in a framework other than ONNX.</summary>
    public static readonly DiagnosticDescriptor FrameworkNotOnnx = new(
        "MB2117", DiagnosticSeverity.Error,
        "framework '{0}': the model needs converting to ONNX first; ModelBuild compiles ONNX models (framework: onnx).");

    /// <summary>A model.yml manifest without a single ONNX file.</summary>
    public static readonly DiagnosticDescriptor NoOnnxFile = new(
        "MB2118", DiagnosticSeverity.Error,
        "Cannot tell which file is the ONNX model ({0}). List one .onnx file in 'files', or name it with " +
            "'--input_model=$dl_dir/<file>.onnx' in model_optimizer_args.");

    /// <summary>model_info.labels names a file that cannot be read.</summary>
    public static readonly DiagnosticDescriptor LabelsFileUnreadable = new(
        "MB2119", DiagnosticSeverity.Error,
        "The labels file '{0}' cannot be read: {1}");

    /// <summary>A preprocessing argument of model_optimizer_args that cannot be read.</summary>
    public static readonly DiagnosticDescriptor PreprocessingArgumentUnreadable = new(
        "MB2120", DiagnosticSeverity.Warning,
        "model_optimizer_args '{0}' cannot be read ({1}); the accessor does not publish it.");

    public static readonly DiagnosticDescriptor CompositeStageMissing = new(
        "MB1040", DiagnosticSeverity.Error, "Stage '{0}' of composite model '{1}' has no model.yml in '{2}'; a stage is a sub-folder " +
            "named '{1}-<part>' holding its model.yml.");

    public static readonly DiagnosticDescriptor CompositeWithoutStages = new(
        "MB1041", DiagnosticSeverity.Error, "Composite model '{0}' has no 'stages_order': the list of its stages' folders, in order.");

    /// <summary>{0} the override as written, {1} the composite-model.yml, {2} its stages.</summary>
    public static readonly DiagnosticDescriptor CompositeOverrides = new(
        "MB1042", DiagnosticSeverity.Error, "Override '{0}' of Open Model Zoo composite model '{1}' does not address a stage; write " +
            "stages.<stage>.<model.yml key> with one of its stages: {2}.");
}
