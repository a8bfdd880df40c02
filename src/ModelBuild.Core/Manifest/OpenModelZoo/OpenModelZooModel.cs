using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest.OpenModelZoo;

/// <summary>
/// An Open Model Zoo <c>model.yml</c>, read as its downloader and info dumper read it. The model's
/// name is its folder's name; <see cref="Subdirectory"/> is that folder relative to the models root
/// ('/' separators), where the downloader writes the files.
/// </summary>
public sealed record OpenModelZooModel(
    string Name,
    string Subdirectory,
    string FilePath,
    string Description,
    string TaskType,
    Located<string> Framework,
    string License,
    IReadOnlyList<OpenModelZooFile> Files,
    IReadOnlyList<OpenModelZooPostprocessing> Postprocessing,
    IReadOnlyList<OpenModelZooInput> InputInfo,
    IReadOnlyList<Located<string>>? ModelOptimizerArgs,
    IReadOnlyList<string>? ConversionToOnnxArgs,
    IReadOnlyList<string> Precisions,
    OpenModelZooModelInfo ModelInfo)
{
    /// <summary>The precisions Open Model Zoo knows (file folders of IR models, <c>--precisions</c>).</summary>
    public static IReadOnlyList<string> KnownPrecisions { get; } = ["FP16", "FP16-INT1", "FP16-INT8", "FP32", "FP32-INT1", "FP32-INT8"];

    /// <summary>The frameworks of <c>framework:</c>; <c>onnx</c> compiles as it is, <c>tf</c>, <c>tflite</c>, <c>paddle</c> and
    /// <c>pytorch</c> through their converters to ONNX, <c>dldt</c> (OpenVINO IR) is downloaded only.</summary>
    public static IReadOnlyList<string> KnownFrameworks { get; } = ["dldt", "onnx", "paddle", "pytorch", "tf", "tflite"];
}

/// <summary>One entry of <c>files</c>: where it goes (relative, no <c>..</c>), its size and SHA-384, and where it comes from.</summary>
public sealed record OpenModelZooFile(
    Located<string> Name,
    long Size,
    string Sha384,
    OpenModelZooFileSource Source,
    SourceLocation Location);

/// <summary>Where a file comes from: <c>source: URL</c>, <c>{$type: http, url}</c> or <c>{$type: google_drive, id}</c>.</summary>
public abstract record OpenModelZooFileSource(SourceLocation Location)
{
    /// <summary>The source ModelBuild fetches the file from: the URL, or <c>gdrive:&lt;id&gt;</c>.</summary>
    public string SourceText => this switch
    {
        OpenModelZooHttpSource http => http.Url,
        OpenModelZooGoogleDriveSource drive => "gdrive:" + drive.Id,
        _ => throw new InvalidOperationException($"Unknown file source {GetType().Name}."),
    };
}

/// <summary>An http(s) URL.</summary>
public sealed record OpenModelZooHttpSource(string Url, SourceLocation Location) : OpenModelZooFileSource(Location);

/// <summary>A Google Drive file id.</summary>
public sealed record OpenModelZooGoogleDriveSource(string Id, SourceLocation Location) : OpenModelZooFileSource(Location)
{
    /// <summary>The download URL Open Model Zoo uses for the id.</summary>
    public string Url => "https://docs.google.com/uc?export=download&id=" + Uri.EscapeDataString(Id);
}

/// <summary>A step of <c>postprocessing</c>, applied in order in the model's output folder after every file arrived.</summary>
public abstract record OpenModelZooPostprocessing(Located<string> File, SourceLocation Location);

/// <summary><c>unpack_archive</c>: unpack <see cref="OpenModelZooPostprocessing.File"/> (format zip, tar or gztar) beside itself, then
/// delete it.</summary>
public sealed record OpenModelZooUnpackArchive(
    Located<string> File,
    string Format,
    SourceLocation Location) : OpenModelZooPostprocessing(File, Location);

/// <summary><c>regex_replace</c>: replace <see cref="Pattern"/> (Python regex syntax) in a UTF-8 text file; <see cref="Count"/> 0 means
/// all, and zero matches is an error.</summary>
public sealed record OpenModelZooRegexReplace(
    Located<string> File,
    string Pattern,
    string Replacement,
    int Count,
    SourceLocation Location) : OpenModelZooPostprocessing(File, Location);

/// <summary>One entry of <c>input_info</c>.</summary>
public sealed record OpenModelZooInput(string Name, IReadOnlyList<long> Shape, string Layout, SourceLocation Location);

/// <summary>
/// <c>model_info</c>: the labels (class names, in output order) and the model's type for demos. Open Model Zoo
/// writes <c>labels</c> as a file name (one label per line, in its <c>data/dataset_classes</c> folder), kept in
/// <see cref="LabelsFile"/>; a list of names is kept in <see cref="Labels"/>.
/// </summary>
public sealed record OpenModelZooModelInfo(IReadOnlyList<string> Labels, string? ModelType)
{
    public static OpenModelZooModelInfo None { get; } = new([], null);

    /// <summary>The labels file as written, when <c>labels</c> names one.</summary>
    public Located<string>? LabelsFile { get; init; }
}
