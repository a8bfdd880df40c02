using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>
/// A folder laid out like a project for one engine test: <c>models/tiny.onnx</c> (<see cref="TinyConvNet"/>)
/// beside its manifest <c>models/tiny.yaml</c>, a cache folder and an output folder, all deleted on dispose.
/// </summary>
internal sealed class EngineWorkspace : IDisposable
{
    /// <summary>Fixes the dynamic batch to 1.</summary>
    public const string DefaultManifest = """
        input_model: tiny.onnx
        shape: [1, 3, 8, 8]
        """;

    private readonly TemporaryDirectory _root = new();

    public EngineWorkspace(string manifest = DefaultManifest)
    {
        Directory.CreateDirectory(ModelsFolder);
        ModelBytes = TinyConvNet.Bytes();
        File.WriteAllBytes(ModelPath, ModelBytes);
        WriteManifest(manifest);
    }

    public string Root => _root.FullPath;

    public string ModelsFolder => _root.Combine("models");

    /// <summary>The source model, dynamic batch "N".</summary>
    public string ModelPath => Path.Combine(ModelsFolder, "tiny.onnx");

    public byte[] ModelBytes { get; }

    public string ManifestPath => Path.Combine(ModelsFolder, "tiny.yaml");

    public string CacheDir => _root.Combine("cache");

    public string OutputDir => _root.Combine("out", "tiny");

    public void WriteManifest(string yaml) => File.WriteAllText(ManifestPath, yaml);

    /// <summary>Writes a file beside the manifest; returns its full path.</summary>
    public string WriteModelsFile(string name, byte[] bytes)
    {
        var path = Path.Combine(ModelsFolder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A 1-based position in the manifest, as diagnostics give it.</summary>
    public SourceLocation ManifestAt(int line, int column) => new(ManifestPath, line, column);

    /// <summary>A request for the manifest, named "tiny" like its model.</summary>
    public ModelCompileRequest Request(
        string target = "onnx",
        string precision = "FP32",
        SourceLocation? targetAt = null,
        SourceLocation? precisionAt = null) =>
        new(ManifestPath, "tiny", target, precision, targetAt, precisionAt);

    /// <summary>Compiles through <see cref="ModelCompiler"/> into <see cref="CacheDir"/> (or <paramref name="cacheDir"/>), as the engine
    /// does.</summary>
    public async Task<ModelCompileOutcome> CompileAsync(ModelCompileRequest? request = null, string? salt = null, string? cacheDir = null)
    {
        var cache = ModelBuildCache.Open(cacheDir ?? CacheDir);
        using var fetcher = new SourceFetcher(cache);
        return await new ModelCompiler(cache, fetcher, EngineIdentity.Current, salt).CompileAsync(request ?? Request());
    }

    /// <summary>The bytes of a compiled file, read back from the cache it was compiled into.</summary>
    public byte[] ReadCompiled(CompiledFile file, string? cacheDir = null)
    {
        var cache = ModelBuildCache.Open(cacheDir ?? CacheDir);
        using var stream = cache.Content.TryOpen(file.Blob.Digest);
        Assert.True(stream is not null, $"{file.FileName} ({file.Blob}) is not in the cache.");
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return bytes.ToArray();
    }

    /// <summary>The cache's blobs and action records, and the output folder, as they are now.</summary>
    public WorkspaceSnapshot Snapshot() => new(
        FolderSnapshot.Of(Path.Combine(CacheDir, "cas")),
        FolderSnapshot.Of(Path.Combine(CacheDir, "ac")),
        FolderSnapshot.Of(OutputDir));

    /// <summary>Files left in the cache's <c>tmp/</c>: writes in flight, none once a run is over.</summary>
    public IReadOnlyList<string> CacheTempFiles() => _root.FilesUnder(Path.Combine("cache", "tmp"));

    public void Dispose() => _root.Dispose();
}

/// <summary>The cache's <c>cas/</c> and <c>ac/</c> and a model's output folder at one moment.</summary>
internal sealed record WorkspaceSnapshot(FolderSnapshot Blobs, FolderSnapshot ActionRecords, FolderSnapshot Outputs)
{
    /// <summary>Fails unless the cache and the output folder hold exactly what <paramref name="before"/> saw.</summary>
    public void AssertUnchangedSince(WorkspaceSnapshot before)
    {
        ArgumentNullException.ThrowIfNull(before);
        Blobs.AssertUnchangedSince(before.Blobs);
        ActionRecords.AssertUnchangedSince(before.ActionRecords);
        Outputs.AssertUnchangedSince(before.Outputs);
    }
}
