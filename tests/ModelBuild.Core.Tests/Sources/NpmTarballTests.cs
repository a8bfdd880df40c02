using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Sources;

/// <summary>
/// Reading files out of package tarballs. The tarball is generated here and recorded in the cache the
/// way an earlier <c>npm pack</c> would have left it, and the npm executable is one that does not
/// exist: any attempt to run npm would fail these tests with MB2020.
/// </summary>
public sealed class NpmTarballTests : IDisposable
{
    private const string MissingNpm = "/nonexistent/modelbuild-test/npm";
    private static readonly SourceLocation At = new("models/m.yaml", 5, 14);

    private readonly TemporaryDirectory _root = new();
    private readonly ModelBuildCache _cache;
    private readonly SourceFetcher _fetcher;
    private readonly byte[] _detector = RandomNumberGenerator.GetBytes(50_000);
    private readonly byte[] _classifier = RandomNumberGenerator.GetBytes(20_000);

    public NpmTarballTests()
    {
        _cache = ModelBuildCache.Open(_root.Combine("cache"));
        _fetcher = new SourceFetcher(_cache, npmExecutable: MissingNpm);
    }

    public void Dispose()
    {
        _fetcher.Dispose();
        _root.Dispose();
    }

    private SourceReference Source(string pathInPackage)
        => SourceReference.Parse($"npm:@test/models@1.0.0/{pathInPackage}", _root.FullPath, At);

    private async Task SeedTarballAsync(byte[]? tarball = null)
    {
        var stored = await _cache.Content.PutAsync(tarball ?? BuildTarball());
        _cache.Actions
            .Put(NpmResolver.PackKey("@test/models", "1.0.0"), new ActionRecord("npm-pack", [new(NpmResolver.TarballOutput, stored)]));
    }

    private byte[] BuildTarball()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            void File(string name, byte[] bytes) =>
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });

            File("package/package.json", """{"name":"@test/models","version":"1.0.0"}"""u8.ToArray());
            File("package/models/detector.onnx", _detector);
            File("package/models/classifier.onnx", _classifier);
            File("package/../outside.onnx", _classifier);
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "package/models/latest.onnx") { LinkName = "detector.onnx" });
        }

        return buffer.ToArray();
    }

    [Fact]
    public async Task The_requested_file_is_streamed_from_the_cached_tarball_without_running_npm()
    {
        await SeedTarballAsync();
        var digest = Sha256Digest.Compute(_detector);

        var fetched = await _fetcher.FetchAsync(Source("models/detector.onnx"), digest, _detector.Length, At);

        Assert.Equal(new StoredBlob(digest, _detector.Length), fetched.Blob);
        Assert.Null(fetched.LocalPath);
        Assert.True(_cache.Content.TryGetPath(digest, out var path));
        Assert.Equal(_detector, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_path_that_is_not_in_the_package_is_MB2024_listing_similar_paths()
    {
        await SeedTarballAsync();

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => _fetcher.FetchAsync(Source("model/detector.onnx"), at: At));

        Assert.Equal("MB2024", error.Diagnostic.Code);
        Assert.Equal(At, error.Diagnostic.Location);
        Assert.Contains("@test/models@1.0.0", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("Similar paths in the package: models/detector.onnx, ", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_entry_that_climbs_out_of_the_package_is_never_served()
    {
        await SeedTarballAsync();

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => _fetcher.FetchAsync(Source("outside.onnx"), at: At));

        Assert.Equal("MB2024", error.Diagnostic.Code);
        Assert.False(_cache.Content.Contains(Sha256Digest.Compute(_classifier)));
    }

    [Fact]
    public async Task A_link_entry_is_MB2025()
    {
        await SeedTarballAsync();

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => _fetcher.FetchAsync(Source("models/latest.onnx"), at: At));

        Assert.Equal("MB2025", error.Diagnostic.Code);
        Assert.Contains("SymbolicLink", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_does_not_match_its_pin_is_MB2012_and_is_not_stored()
    {
        await SeedTarballAsync();
        var pinned = Sha256Digest.Compute(_classifier);

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => _fetcher.FetchAsync(Source("models/detector.onnx"), pinned, at: At));

        Assert.Equal("MB2012", error.Diagnostic.Code);
        Assert.Contains("npm:@test/models@1.0.0/models/detector.onnx", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains(Sha256Digest.Compute(_detector).Hex, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.False(_cache.Content.Contains(Sha256Digest.Compute(_detector)));
        Assert.Empty(_root.FilesUnder(Path.Combine("cache", "tmp")));
    }

    [Fact]
    public async Task A_sha384_pin_is_checked_before_the_file_is_stored()
    {
        await SeedTarballAsync();
        var wrong = ContentDigest.FromHash(DigestAlgorithm.Sha384, SHA384.HashData(_classifier));
        var right = ContentDigest.FromHash(DigestAlgorithm.Sha384, SHA384.HashData(_detector));

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => _fetcher.FetchAsync(Source("models/detector.onnx"), new ContentPin([wrong], null), At));

        Assert.Equal("MB2012", error.Diagnostic.Code);
        Assert.Contains(right.Hex, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.False(_cache.Content.Contains(Sha256Digest.Compute(_detector)));
        Assert.Empty(_root.FilesUnder(Path.Combine("cache", "tmp")));

        var fetched = await _fetcher.FetchAsync(Source("models/detector.onnx"), new ContentPin([right], null), At);
        Assert.Equal(Sha256Digest.Compute(_detector), fetched.Digest);
    }

    [Fact]
    public async Task A_second_fetch_with_another_pin_uses_the_recorded_extraction()
    {
        await SeedTarballAsync();
        var first = await _fetcher.FetchAsync(Source("models/classifier.onnx"), at: At);

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => _fetcher.FetchAsync(Source("models/classifier.onnx"), Sha256Digest.Compute(_detector), at: At));

        Assert.Equal("MB2012", error.Diagnostic.Code);
        Assert.Contains(first.Digest.Hex, error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tarball_that_is_not_gzip_is_MB2026()
    {
        await SeedTarballAsync(RandomNumberGenerator.GetBytes(1000));

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => _fetcher.FetchAsync(Source("models/detector.onnx"), at: At));

        Assert.Equal("MB2026", error.Diagnostic.Code);
    }

    [Fact]
    public async Task Without_a_cached_tarball_a_missing_npm_is_MB2020_naming_the_executable_and_the_override()
    {
        var error = await Assert.ThrowsAsync<DiagnosticException>(() => _fetcher.FetchAsync(Source("models/detector.onnx"), at: At));

        Assert.Equal("MB2020", error.Diagnostic.Code);
        Assert.Equal(At, error.Diagnostic.Location);
        Assert.Contains(MissingNpm, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("MODELBUILD_NPM", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Empty(_root.FilesUnder(Path.Combine("cache", "tmp")));
    }

    [Theory]
    [InlineData("package/models/a.onnx", "models/a.onnx")]
    [InlineData("node-pkg/./models/a.onnx", "models/a.onnx")]
    [InlineData("package/../a.onnx", null)]
    [InlineData("package/models/../../a.onnx", null)]
    [InlineData("/package/a.onnx", null)]
    [InlineData("package", null)]
    public void Entry_names_lose_their_top_folder_and_climbing_names_are_refused(string entryName, string? expected) =>
        Assert.Equal(expected, NpmResolver.PathInPackage(entryName));
}
