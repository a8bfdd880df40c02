using System.Security.Cryptography;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Sources;

public sealed class LocalFetchTests : IDisposable
{
    private static readonly SourceLocation At = new("project/models/m.yaml", 3, 14);

    private readonly TemporaryDirectory _root = new();
    private readonly ModelBuildCache _cache;
    private readonly SourceFetcher _fetcher;
    private readonly string _manifestFolder;

    public LocalFetchTests()
    {
        _cache = ModelBuildCache.Open(_root.Combine("cache"));
        _fetcher = new SourceFetcher(_cache);
        _manifestFolder = _root.Combine("project", "models");
        Directory.CreateDirectory(Path.Combine(_manifestFolder, "weights"));
    }

    public void Dispose()
    {
        _fetcher.Dispose();
        _root.Dispose();
    }

    private SourceReference Source(string text) => SourceReference.Parse(text, _manifestFolder, At);

    private byte[] WriteModel(string relativePath, int size = 40_000)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        File.WriteAllBytes(Path.Combine(_manifestFolder, relativePath), bytes);
        return bytes;
    }

    [Fact]
    public async Task A_relative_file_is_copied_into_the_cache_and_its_resolved_path_is_reported()
    {
        var bytes = WriteModel(Path.Combine("weights", "resnet18.onnx"));

        var fetched = await _fetcher.FetchAsync(Source("weights/resnet18.onnx"), at: At);

        Assert.Equal(Sha256Digest.Compute(bytes), fetched.Digest);
        Assert.Equal(bytes.Length, fetched.Size);
        Assert.Equal(Path.Combine(_manifestFolder, "weights", "resnet18.onnx"), fetched.LocalPath);
        Assert.Empty(fetched.Warnings);
        Assert.True(_cache.Content.TryGetPath(fetched.Digest, out var cached));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(cached));
    }

    [Fact]
    public async Task A_missing_file_is_MB2010_with_the_resolved_absolute_path_and_similar_names()
    {
        WriteModel(Path.Combine("weights", "resnet18.onnx"));

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => _fetcher.FetchAsync(Source("weights/../weights/resnet81.onnx"), at: At));

        Assert.Equal("MB2010", error.Diagnostic.Code);
        Assert.Equal(At, error.Diagnostic.Location);
        Assert.Contains(Path.Combine(_manifestFolder, "weights", "resnet81.onnx"), error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("resnet18.onnx", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_does_not_match_its_pin_is_MB2012_and_the_cache_is_unchanged()
    {
        var bytes = WriteModel("model.onnx");
        var pinned = Sha256Digest.Compute("an older version of the model"u8);
        var casBefore = _root.FilesUnder(Path.Combine("cache", "cas"));

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => _fetcher.FetchAsync(Source("model.onnx"), pinned, at: At));

        Assert.Equal("MB2012", error.Diagnostic.Code);
        Assert.Contains(Path.Combine(_manifestFolder, "model.onnx"), error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains(pinned.Hex, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains(Sha256Digest.Compute(bytes).Hex, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(casBefore, _root.FilesUnder(Path.Combine("cache", "cas")));
        Assert.Empty(_root.FilesUnder(Path.Combine("cache", "tmp")));
    }

    [Fact]
    public async Task A_local_file_is_read_again_even_when_its_pinned_digest_is_cached()
    {
        var original = WriteModel("model.onnx");
        var pinned = Sha256Digest.Compute(original);
        await _fetcher.FetchAsync(Source("model.onnx"), pinned, at: At);

        WriteModel("model.onnx");

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => _fetcher.FetchAsync(Source("model.onnx"), pinned, at: At));
        Assert.Equal("MB2012", error.Diagnostic.Code);
    }

    [Fact]
    public async Task A_folder_is_MB2011()
    {
        var error = await Assert.ThrowsAsync<DiagnosticException>(() => _fetcher.FetchAsync(Source("weights"), at: At));

        Assert.Equal("MB2011", error.Diagnostic.Code);
        Assert.Contains(Path.Combine(_manifestFolder, "weights"), error.Diagnostic.Message, StringComparison.Ordinal);
    }
}
