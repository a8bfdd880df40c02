// Compiled into both ModelBuild.Tasks and the engine (ModelBuild.Cli): the contract between them.
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelBuild.Protocol;

/// <summary>
/// What the MSBuild task asks the engine to do for one project: every model, and which of them are stale.
/// Settings beyond the essentials are init properties, each with its own default, so adding one is adding a property.
/// </summary>
internal sealed record CompileRequest(
    string ProjectFile,
    string? CacheDir,
    string? CacheSalt,
    AccessorRequest? Accessor,
    IReadOnlyList<ModelRequest> Models)
{
    /// <summary>
    /// The last stage to run (<see cref="PipelineStages"/>): a stage run computes into the cache only and
    /// writes nothing into the output folders; null runs every stage and writes the outputs.
    /// </summary>
    public string? Stage { get; init; }

    /// <summary>ModelBuildOffline: no network at all; a source missing from the cache is an error.</summary>
    public bool Offline { get; init; }

    /// <summary>ModelBuildLockedMode: <see cref="LockFile"/> must not change.</summary>
    public bool LockedMode { get; init; }

    /// <summary>The project's models.lock.json, which pins unpinned remote sources; null for none.</summary>
    public string? LockFile { get; init; }

    /// <summary>ModelBuildMaxParallelism: models compiled and files downloaded at once; 0 for the processor count.</summary>
    public int MaxParallelism { get; init; }

    /// <summary>Where restore put the packages of nuget: sources ($(NuGetPackageRoot)).</summary>
    public string? NuGetPackageRoot { get; init; }

    /// <summary>ModelBuildRemoteCache: http(s)://host/prefix or redis://host:port; null falls back to the environment.</summary>
    public string? RemoteCache { get; init; }

    /// <summary>ModelBuildRemoteCacheReadOnly: read the remote cache, never write to it.</summary>
    public bool RemoteCacheReadOnly { get; init; }

    /// <summary>ModelBuildCacheMaxSize: the local cache's size budget (10GiB, 500MB, bytes).</summary>
    public string? CacheMaxSize { get; init; }

    /// <summary>ModelBuildVendorRoute: modelconverter or toolchain; null falls back to MODELBUILD_VENDOR_ROUTE, then the target's
    /// default.</summary>
    public string? VendorRoute { get; init; }

    /// <summary>ModelBuildToolchainPaths: vendor tools as <c>name=path</c> separated by <c>;</c>, relative to the project.</summary>
    public string? ToolchainPaths { get; init; }

    /// <summary>ModelBuildToolchainTimeoutMinutes: the longest one vendor tool run may take; 0 for the default (120).</summary>
    public int ToolchainTimeoutMinutes { get; init; }
}

/// <summary>The values of <see cref="CompileRequest.Stage"/>, named as the MSBuild targets that ask for them.</summary>
internal static class PipelineStages
{
    /// <summary>DownloadModels: fetch every model's source into the cache.</summary>
    public const string Download = "download";

    /// <summary>ConvertModels: fetch, inspect and prepare (input shapes, checked in ONNX Runtime).</summary>
    public const string Convert = "convert";

    /// <summary>QuantizeModels: every stage up to quantization.</summary>
    public const string Quantize = "quantize";
}

/// <summary>The generated C# accessor for the project's models.</summary>
internal sealed record AccessorRequest(string FilePath, string Namespace, string ClassName, bool Public);

/// <summary>One <c>ModelReference</c> item, with the metadata MSBuild resolved.</summary>
internal sealed record ModelRequest(
    string Manifest,
    string Name,
    string Target,
    string Precision,
    string? LogicalName,
    string ResourcePrefix,
    string OutputDir,
    bool Stale)
{
    /// <summary>ModelConverter-style overrides, <c>dotted.key=value</c> separated by <c>;</c> (the Overrides metadata).</summary>
    public string? Overrides { get; init; }

    /// <summary>The folder of calibration data (the Calibration metadata); its files are inputs of the model.</summary>
    public string? Calibration { get; init; }

    /// <summary>False when the compiled files are copied beside the app instead of embedded (the Embed metadata).</summary>
    public bool Embed { get; init; } = true;

    /// <summary>The model's accessor class: true public, false internal, null as the accessor says (the Access metadata).</summary>
    public bool? Public { get; init; }

    /// <summary>nnarchive: the compiled output is the NN Archive of a vendor target (the Package metadata); null for the compiled
    /// files.</summary>
    public string? Package { get; init; }

    /// <summary>True when <see cref="Name"/> is only the default (no Name metadata): the manifest's <c>name:</c> then names the
    /// model.</summary>
    public bool NameIsDefault { get; init; }

    /// <summary>The stage of a multi-stage manifest whose model is the main one (the MainStage metadata); null for the first.</summary>
    public string? MainStage { get; init; }
}

/// <summary>What the engine leaves in a model's output folder (<see cref="EngineFiles.Result"/>), written last.</summary>
internal sealed record ModelResult(
    string Name,
    string Manifest,
    string Target,
    string Precision,
    IReadOnlyList<ModelOutputFile> Outputs,
    IReadOnlyList<ModelTensorResult> Inputs,
    IReadOnlyList<ModelTensorResult> OutputTensors)
{
    /// <summary>
    /// The model's class labels in output order (Open Model Zoo's <c>model_info.labels</c>, or an output's <c>labels</c>);
    /// null when it has none.
    /// </summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>The output <see cref="Labels"/> belong to; null for the first output.</summary>
    public string? LabeledOutput { get; init; }

    /// <summary>True when the labelled output holds logits (the manifest's <c>apply_softmax</c>); null for probabilities.</summary>
    public bool? ApplySoftmax { get; init; }

    /// <summary>
    /// A multi-stage model's stages in the manifest's order, each named by its stage and holding its own files; null for a single
    /// model. The model's own description is then its main stage's, and its <see cref="Outputs"/> are every stage's files.
    /// </summary>
    public IReadOnlyList<ModelResult>? Stages { get; init; }

    /// <summary>The main stage of a multi-stage model; null for a single model.</summary>
    public string? MainStage { get; init; }
}

/// <summary>A file to embed: its name in the output folder and its manifest resource name.</summary>
internal sealed record ModelOutputFile(string File, string LogicalName, string Sha256, long Size);

/// <summary>A model input or output as the generated accessor describes it.</summary>
internal sealed record ModelTensorResult(
    string Name,
    string ElementType,
    IReadOnlyList<long> Shape,
    string? Layout,
    IReadOnlyList<double>? Mean,
    IReadOnlyList<double>? Scale,
    string? Encoding)
{
    /// <summary>How the input's images are resized (the calibration's <c>resize_method</c>: RESIZE, CROP, PAD, PAD_RIGHT); null for
    /// outputs.</summary>
    public string? ResizeMethod { get; init; }
}

/// <summary>File names inside a model's output folder.</summary>
internal static class EngineFiles
{
    /// <summary>The result record; MSBuild's up-to-date check uses it as the model's output.</summary>
    public const string Result = "model.json";

    /// <summary>Every local file the last compile read, one full path per line.</summary>
    public const string Dependencies = "deps.txt";

    /// <summary>
    /// The files to embed or copy, one per line: <c>full path|logical name</c>. MSBuild reads it with its
    /// own tasks on every build, so a build that compiles nothing never loads ModelBuild's task assembly.
    /// Written before <see cref="Result"/>, for requests from MSBuild only.
    /// </summary>
    public const string Outputs = "outputs.txt";

    /// <summary>The request written by the task for the engine, in the project's ModelBuild folder.</summary>
    public const string Request = "request.json";
}

/// <summary>How the task reads the engine's standard output.</summary>
internal static class EngineOutput
{
    /// <summary>Lines starting with this are details (action keys): logged at low importance, shown at detailed verbosity.</summary>
    public const string DetailPrefix = "detail: ";

    /// <summary>Lines starting with this are results people look for in every build (INT8 accuracy): high importance, shown at minimal
    /// verbosity.</summary>
    public const string HighPrefix = "high: ";
}

/// <summary>
/// The JSON form both sides read and write. Source-generated: reflection-based serialization would cost
/// the MSBuild node its warm-up each time the task runs.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(CompileRequest))]
[JsonSerializable(typeof(ModelResult))]
internal sealed partial class EngineJsonContext : JsonSerializerContext;

/// <summary>Reads and writes the protocol's files.</summary>
internal static class EngineJson
{
    public static CompileRequest ReadRequest(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), EngineJsonContext.Default.CompileRequest)
        ?? throw new InvalidDataException($"'{path}' holds no request.");

    public static ModelResult ReadResult(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), EngineJsonContext.Default.ModelResult)
        ?? throw new InvalidDataException($"'{path}' holds no model result.");

    public static string Write(CompileRequest request)
        => JsonSerializer.Serialize(request, EngineJsonContext.Default.CompileRequest) + "\n";

    public static string Write(ModelResult result) => JsonSerializer.Serialize(result, EngineJsonContext.Default.ModelResult) + "\n";
}
