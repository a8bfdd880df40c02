using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Sources;

/// <summary>
/// hf: against a loopback server standing in for the hub (HF_ENDPOINT), s3: against a loopback
/// server standing in for an S3-compatible endpoint (the SigV4 signature it receives is recomputed
/// here from the spec), nuget: from a folder feed made by the test.
/// </summary>
public sealed class RemoteSourceTests : IDisposable
{
    private static readonly SourceLocation At = new("models/m.yaml", 2, 14);

    private readonly TemporaryDirectory _root = new();
    private readonly LoopbackServer _server = new();
    private readonly ModelBuildCache _cache;
    private readonly byte[] _model = RandomNumberGenerator.GetBytes(200_000);
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);

    public RemoteSourceTests()
    {
        _cache = ModelBuildCache.Open(_root.Combine("cache"));
    }

    public void Dispose()
    {
        _server.Dispose();
        _root.Dispose();
    }

    private ContentPin Pin => ContentPin.From(Sha256Digest.Compute(_model), _model.Length);

    private SourceFetcher Fetcher(
        string? nugetFolder = null,
        bool offline = false,
        int attempts = 3) => new(_cache, new SourceFetcherOptions
        {
            Environment = _environment.GetValueOrDefault,
            NuGetPackagesFolder = nugetFolder,
            Offline = offline,
            Http = new HttpDownloadOptions { MaxAttempts = attempts, Wait = (_, _) => Task.CompletedTask },
        });

    private SourceReference Parse(string text) => SourceReference.Parse(text, _root.FullPath, At);

    [Fact]
    public async Task An_hf_source_uses_the_resolve_url_of_HF_ENDPOINT_with_the_token_for_the_hub_only()
    {
        using var cdn = new LoopbackServer();
        cdn.Serve("/blobs/abc", _model);
        _server.Serve("/org/model/resolve/0123abc/onnx/model.onnx", []);
        _server.Script("/org/model/resolve/0123abc/onnx/model.onnx", LoopbackReply.Redirect(cdn.BaseUrl + "blobs/abc"));
        _environment["HF_ENDPOINT"] = _server.BaseUrl;
        _environment["HF_TOKEN"] = "hf_s3cr3t";
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(Parse("hf:org/model@0123abc/onnx/model.onnx"), Pin, At);

        Assert.Equal(Sha256Digest.Compute(_model), fetched.Digest);
        Assert.Equal("Bearer hf_s3cr3t", Assert.Single(_server.Requests).Authorization);
        Assert.Null(Assert.Single(cdn.Requests).Authorization);
    }

    [Fact]
    public async Task An_hf_source_refused_by_the_hub_is_MB2042_saying_HF_TOKEN_is_not_set()
    {
        _server.Serve("/org/gated/resolve/main/model.onnx", [], status: 401);
        _environment["HF_ENDPOINT"] = _server.BaseUrl;
        using var fetcher = Fetcher();

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => fetcher.FetchAsync(Parse("hf:org/gated@main/model.onnx"), Pin, At));

        Assert.Equal("MB2042", error.Diagnostic.Code);
        Assert.Contains("HF_TOKEN is not set", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task A_plain_http_HF_ENDPOINT_beyond_this_machine_is_MB2041()
    {
        _environment["HF_ENDPOINT"] = "http://hub.example.com";
        using var fetcher = Fetcher();

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => fetcher.FetchAsync(Parse("hf:org/model@main/model.onnx"), Pin, At));

        Assert.Equal("MB2041", error.Diagnostic.Code);
    }

    [Fact]
    public async Task An_s3_source_is_fetched_from_the_endpoint_override_with_a_valid_sigv4_signature_and_no_secret_shown()
    {
        const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        _server.Serve("/models-bucket/team/model.onnx", _model);
        _environment["AWS_ENDPOINT_URL_S3"] = _server.BaseUrl;
        _environment["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE";
        _environment["AWS_SECRET_ACCESS_KEY"] = Secret;
        _environment["AWS_REGION"] = "eu-west-3";
        var progress = new LastSourceProgress();
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(Parse("s3://models-bucket/team/model.onnx"), Pin, At, progress);

        Assert.Equal(Sha256Digest.Compute(_model), fetched.Digest);
        var request = Assert.Single(_server.Requests);
        Assert.Equal($"127.0.0.1:{_server.Port}", request.Header("Host"));
        var query = ParseQuery(request.PathAndQuery);
        Assert.Equal("AWS4-HMAC-SHA256", query["X-Amz-Algorithm"]);
        Assert.StartsWith("AKIDEXAMPLE/", Uri.UnescapeDataString(query["X-Amz-Credential"]), StringComparison.Ordinal);
        Assert.EndsWith("/eu-west-3/s3/aws4_request", Uri.UnescapeDataString(query["X-Amz-Credential"]), StringComparison.Ordinal);
        Assert.Equal(ExpectedSignature(request, Secret), query["X-Amz-Signature"]);
        Assert.DoesNotContain(Secret, request.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal("s3://models-bucket/team/model.onnx", progress.Source);
    }

    [Fact]
    public async Task An_s3_download_cut_short_resumes_in_the_next_run_although_the_signature_changed()
    {
        _server.Serve("/models-bucket/model.onnx", _model);
        _server.Script("/models-bucket/model.onnx", new LoopbackReply { DropAfter = 90_000 });
        _environment["AWS_ENDPOINT_URL"] = _server.BaseUrl;
        _environment["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE";
        _environment["AWS_SECRET_ACCESS_KEY"] = "secret";
        using (var first = Fetcher(attempts: 1))
        {
            await Assert.ThrowsAsync<DiagnosticException>(() => first.FetchAsync(Parse("s3://models-bucket/model.onnx"), Pin, At));
        }

        using var second = Fetcher();
        var fetched = await second.FetchAsync(Parse("s3://models-bucket/model.onnx"), Pin, At);

        Assert.Equal(Sha256Digest.Compute(_model), fetched.Digest);
        Assert.StartsWith("bytes=", _server.Requests.Last().Range, StringComparison.Ordinal);
        Assert.True(fetched.Transferred < _model.Length);
    }

    [Fact]
    public async Task A_nuget_source_already_restored_is_read_from_the_global_packages_folder_even_offline()
    {
        var packages = _root.Combine("packages");
        var folder = Path.Combine(packages, "contoso.models", "1.2.0");
        Directory.CreateDirectory(Path.Combine(folder, "models"));
        await File.WriteAllBytesAsync(Path.Combine(folder, "models", "tiny.onnx"), _model);
        await File.WriteAllTextAsync(Path.Combine(folder, ".nupkg.metadata"), "{}");
        using var fetcher = Fetcher(packages, offline: true);

        var fetched = await fetcher.FetchAsync(Parse("nuget:Contoso.Models/1.2.0/models/tiny.onnx"), Pin, At);
        var missing = await Assert.ThrowsAsync<DiagnosticException>(
            () => fetcher.FetchAsync(Parse("nuget:Contoso.Models/1.2.0/models/tiny.onx"), ContentPin.None, At));

        Assert.Equal(Sha256Digest.Compute(_model), fetched.Digest);
        Assert.Equal("MB2052", missing.Diagnostic.Code);
        Assert.Contains("models/tiny.onnx", missing.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_nuget_source_missing_from_the_packages_folder_is_restored_by_NuGet_from_a_folder_feed()
    {
        var manifestFolder = _root.Combine("project", "models");
        var feed = _root.Combine("feed");
        Directory.CreateDirectory(manifestFolder);
        Directory.CreateDirectory(feed);
        WritePackage(Path.Combine(feed, "Contoso.Models.1.2.0.nupkg"), "Contoso.Models", "1.2.0", ("models/tiny.onnx", _model));
        await File.WriteAllTextAsync(_root.Combine("project", "NuGet.Config"), """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="test-feed" value="../feed" />
              </packageSources>
            </configuration>
            """);
        var packages = _root.Combine("packages");
        using var fetcher = Fetcher(packages);

        var fetched = await fetcher.FetchAsync(
            SourceReference.Parse("nuget:Contoso.Models/1.2.0/models/tiny.onnx", manifestFolder, At),
            Pin,
            At);

        Assert.Equal(Sha256Digest.Compute(_model), fetched.Digest);
        Assert.True(File.Exists(Path.Combine(packages, "contoso.models", "1.2.0", "models", "tiny.onnx")));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_nuget_package_no_feed_has_is_MB2053_with_NuGet_s_reason()
    {
        var feed = _root.Combine("empty-feed");
        Directory.CreateDirectory(feed);
        await File.WriteAllTextAsync(_root.Combine("NuGet.Config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /><add key="empty" value="{feed}" /></packageSources></configuration>
            """);
        using var fetcher = Fetcher(_root.Combine("packages"));

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => fetcher.FetchAsync(Parse("nuget:Contoso.Absent/9.9.9/a.onnx"), ContentPin.None, At));

        Assert.Equal("MB2053", error.Diagnostic.Code);
        Assert.Contains("Contoso.Absent", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("NU1101", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    /// <summary>A minimal .nupkg: the nuspec and the files, as NuGet reads them.</summary>
    internal static void WritePackage(string path, string id, string version, params (string Path, byte[] Bytes)[] files)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var writer = new StreamWriter(zip.CreateEntry(id + ".nuspec").Open()))
        {
            writer.Write($"""
                <?xml version="1.0" encoding="utf-8"?>
                <package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
                  <metadata>
                    <id>{id}</id>
                    <version>{version}</version>
                    <authors>tests</authors>
                    <description>Test models.</description>
                  </metadata>
                </package>
                """);
        }

        foreach (var (name, bytes) in files)
        {
            using var entry = zip.CreateEntry(name).Open();
            entry.Write(bytes);
        }
    }

    private static Dictionary<string, string> ParseQuery(string pathAndQuery) =>
        pathAndQuery[(pathAndQuery.IndexOf('?', StringComparison.Ordinal) + 1)..].Split('&')
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);

    /// <summary>
    /// The SigV4 query-string signature of the request as the server received it, computed from
    /// the AWS specification: canonical request, string to sign, HMAC-SHA256 key derivation.
    /// </summary>
    private static string ExpectedSignature(LoopbackRequest request, string secret)
    {
        var path = request.PathAndQuery.Split('?')[0];
        var query = ParseQuery(request.PathAndQuery);
        Assert.Equal("host", query["X-Amz-SignedHeaders"]);
        var canonicalQuery = string.Join(
            '&',
            query.Where(p => p.Key != "X-Amz-Signature").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        var canonicalRequest = $"GET\n{path}\n{canonicalQuery}\nhost:{request.Header("Host")}\n\nhost\nUNSIGNED-PAYLOAD";
        var credential = Uri.UnescapeDataString(query["X-Amz-Credential"]).Split('/');
        var (date, region, service) = (credential[1], credential[2], credential[3]);
        var requestHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));
        var stringToSign = $"AWS4-HMAC-SHA256\n{query["X-Amz-Date"]}\n{date}/{region}/{service}/aws4_request\n{requestHash}";
        var key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in new[] { date, region, service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        Assert.True(DateTime.TryParseExact(
            query["X-Amz-Date"],
            "yyyyMMdd'T'HHmmss'Z'",
            CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal,
            out _));
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
    }

    private sealed class LastSourceProgress : IDownloadProgress
    {
        public string? Source { get; private set; }

        public void Started(DownloadStarted started) => Source = started.Source;

        public void Progressed(DownloadProgressed progressed) => Source = progressed.Source;

        public void Finished(DownloadFinished finished) => Source = finished.Source;
    }
}
