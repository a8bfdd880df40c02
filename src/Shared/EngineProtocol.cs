// Compiled into both ModelBuild.Tasks and the engine (ModelBuild.Cli): the contract between them.
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelBuild.Protocol;

/// <summary>What the MSBuild task asks the engine to do for one project: every model, and which of them are stale.</summary>
internal sealed record CompileRequest(
    string ProjectFile,
    string? CacheDir,
    string? CacheSalt,
    AccessorRequest? Accessor,
    IReadOnlyList<ModelRequest> Models);

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

/// <summary>JSON settings shared by both sides so that what one writes the other reads.</summary>
internal static class EngineJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    public static T Read<T>(string path) =>
        JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options)
        ?? throw new InvalidDataException($"'{path}' holds no {typeof(T).Name}.");

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options) + "\n";
}
