// Compiled into both ModelBuild.Tasks and the engine (ModelBuild.Cli): the contract between them.
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelBuild.Protocol;

/// <summary>
/// What the MSBuild task asks the engine to do for one project: every model, and which of them are stale.
/// Sources: <paramref name="Offline"/> (ModelBuildOffline) forbids the network; <paramref name="LockFile"/>
/// pins unpinned remote sources and <paramref name="LockedMode"/> (ModelBuildLockedMode) forbids changing it;
/// <paramref name="MaxParallelism"/> (ModelBuildMaxParallelism, 0 = processor count) bounds models and
/// downloads at once; <paramref name="NuGetPackageRoot"/> is where restore put nuget: sources' packages.
/// The remote cache (address, read-only) and the local cache's size budget are ModelBuildRemoteCache,
/// ModelBuildRemoteCacheReadOnly and ModelBuildCacheMaxSize; empty ones fall back to the environment.
/// </summary>
internal sealed record CompileRequest(
    string ProjectFile,
    string? CacheDir,
    string? CacheSalt,
    AccessorRequest? Accessor,
    IReadOnlyList<ModelRequest> Models,
    bool Offline = false,
    bool LockedMode = false,
    string? LockFile = null,
    int MaxParallelism = 0,
    string? NuGetPackageRoot = null,

    string? RemoteCache = null,
    bool RemoteCacheReadOnly = false,
    string? CacheMaxSize = null);

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
    bool Stale);

/// <summary>What the engine leaves in a model's output folder (<see cref="EngineFiles.Result"/>), written last.</summary>
internal sealed record ModelResult(
    string Name,
    string Manifest,
    string Target,
    string Precision,
    IReadOnlyList<ModelOutputFile> Outputs,
    IReadOnlyList<ModelTensorResult> Inputs,
    IReadOnlyList<ModelTensorResult> OutputTensors);

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
    string? Encoding);

/// <summary>File names inside a model's output folder.</summary>
internal static class EngineFiles
{
    /// <summary>The result record; MSBuild's up-to-date check uses it as the model's output.</summary>
    public const string Result = "model.json";

    /// <summary>Every local file the last compile read, one full path per line.</summary>
    public const string Dependencies = "deps.txt";

    /// <summary>The request written by the task for the engine, in the project's ModelBuild folder.</summary>
    public const string Request = "request.json";
}

/// <summary>
/// The JSON form both sides read and write. Source-generated: the task reads results in every
/// build, and reflection-based serialization would cost the MSBuild node its warm-up each time.
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

    public static string Write(CompileRequest request) => JsonSerializer.Serialize(request, EngineJsonContext.Default.CompileRequest) + "\n";

    public static string Write(ModelResult result) => JsonSerializer.Serialize(result, EngineJsonContext.Default.ModelResult) + "\n";
}
