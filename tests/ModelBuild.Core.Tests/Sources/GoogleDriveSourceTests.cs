using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Sources;

/// <summary>
/// gdrive: sources against a loopback server standing in for Google Drive
/// (MODELBUILD_GOOGLE_DRIVE_ENDPOINT), which answers the way Drive does: the file itself for small
/// files, otherwise the "can't scan this file for viruses" page in one of the forms Drive has used.
/// </summary>
public sealed class GoogleDriveSourceTests : IDisposable
{
    private const string Id = "1Bz7m5PTDpS3yQ7ydPb_Ks1yOa1hS-Evy";
    private static readonly SourceLocation At = new("models/m.yaml", 3, 14);

    private readonly TemporaryDirectory _root = new();
    private readonly LoopbackServer _server = new();
    private readonly ModelBuildCache _cache;
    private readonly byte[] _model = RandomNumberGenerator.GetBytes(300_000);
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);

    public GoogleDriveSourceTests()
    {
        _cache = ModelBuildCache.Open(_root.Combine("cache"));
        _environment[GoogleDriveResolver.EndpointVariable] = _server.BaseUrl;
    }

    public void Dispose()
    {
        _server.Dispose();
        _root.Dispose();
    }

    private ContentPin Pin => ContentPin.From(Sha256Digest.Compute(_model), _model.Length);

    private SourceFetcher Fetcher(int attempts = 3) => new(_cache, new SourceFetcherOptions
    {
        Environment = _environment.GetValueOrDefault,
        Http = new HttpDownloadOptions { MaxAttempts = attempts, Wait = (_, _) => Task.CompletedTask },
    });

    private SourceReference Source => SourceReference.Parse("gdrive:" + Id, _root.FullPath, At);

    private static LoopbackReply Page(string html, params (string Name, string Value)[] headers) => new()
    {
        Page = Encoding.UTF8.GetBytes(html),
        Headers = new Dictionary<string, string>(headers.ToDictionary(h => h.Name, h => h.Value))
        {
            ["Content-Type"] = "text/html; charset=utf-8"
        },
    };

    private static string Query(LoopbackRequest request) => request.PathAndQuery.Split('?', 2) is [_, var query] ? query : "";

    [Fact]
    public async Task A_small_file_comes_straight_from_the_download_url_of_the_id()
    {
        _server.Serve("/uc", _model);
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(Source, Pin, At);

        Assert.Equal(Sha256Digest.Compute(_model), fetched.Digest);
        Assert.Equal("export=download&id=" + Id, Query(Assert.Single(_server.Requests)));
    }

    [Fact]
    public async Task The_download_form_of_the_virus_scan_page_is_submitted_with_its_hidden_fields_even_with_one_attempt()
    {
        _server.Serve("/uc", []);
        _server.Script("/uc", Page($"""
            <!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title></head><body>
            <p>Google Drive can't scan this file for viruses.</p>
            <form id="download-form" action="{_server.BaseUrl}download" method="get">
              <input type="submit" id="uc-download-link" value="Download anyway"/>
              <input type="hidden" name="id" value="{Id}">
              <input type="hidden" name="export" value="download">
              <input type="hidden" name="confirm" value="t">
              <input type="hidden" name="uuid" value="5c1e2a&amp;7">
            </form></body></html>
            """));
        _server.Serve("/download", _model);
        using var fetcher = Fetcher(attempts: 1);

        var fetched = await fetcher.FetchAsync(Source, Pin, At);

        Assert.Equal(Sha256Digest.Compute(_model), fetched.Digest);
        var download = Assert.Single(_server.RequestsFor("/download"));
        Assert.Equal($"id={Id}&export=download&confirm=t&uuid=5c1e2a%267", Query(download));
    }

    [Fact]
    public async Task The_download_warning_cookie_is_sent_back_as_confirm_with_the_cookie_as_Open_Model_Zoo_does()
    {
        _server.Serve("/uc", _model);
        _server.Script("/uc", Page(
            "<html><head><title>Google Drive - Virus scan warning</title></head><body>Download anyway</body></html>",
            ("Set-Cookie", "download_warning_13058876669334088843_" + Id + "=Qx7b; Domain=127.0.0.1; Path=/uc; HttpOnly")));
        using var fetcher = Fetcher();

        await fetcher.FetchAsync(Source, Pin, At);

        var requests = _server.RequestsFor("/uc");
        Assert.Equal(2, requests.Count);
        Assert.Equal($"export=download&id={Id}&confirm=Qx7b", Query(requests[1]));
        Assert.Equal($"download_warning_13058876669334088843_{Id}=Qx7b", requests[1].Header("Cookie"));
        Assert.Null(requests[0].Header("Cookie"));
    }

    [Fact]
    public async Task A_confirm_link_in_an_older_page_is_followed()
    {
        _server.Serve("/uc", _model);
        _server.Script("/uc", Page(
            $"""<html><body><a id="uc-download-link" href="/uc?export=download&amp;confirm=Zt9_&amp;id={Id}">Download anyway</a>""" +
            "</body></html>"));
        using var fetcher = Fetcher();

        await fetcher.FetchAsync(Source, Pin, At);

        Assert.Equal($"export=download&confirm=Zt9_&id={Id}", Query(_server.RequestsFor("/uc")[1]));
    }

    [Fact]
    public async Task A_dropped_download_resumes_at_the_confirmed_url_with_a_range()
    {
        _server.Serve("/uc", []);
        _server.Script("/uc", Page(
            $"""<form id="download-form" action="/download"><input type="hidden" name="id" value="{Id}">""" +
            """<input type="hidden" name="confirm" value="t"></form>"""));
        _server.Serve("/download", _model);
        _server.Script("/download", new LoopbackReply { DropAfter = 100_000 });
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(Source, Pin, At);

        Assert.Equal(Sha256Digest.Compute(_model), fetched.Digest);
        Assert.Single(_server.RequestsFor("/uc"));
        var downloads = _server.RequestsFor("/download");
        Assert.Equal(2, downloads.Count);
        Assert.Null(downloads[0].Range);
        Assert.StartsWith("bytes=", downloads[1].Range, StringComparison.Ordinal);
        Assert.InRange(long.Parse(downloads[1].Range!["bytes=".Length..].TrimEnd('-'), CultureInfo.InvariantCulture), 1, 100_000);
    }

    [Fact]
    public async Task A_run_that_failed_mid_download_is_resumed_by_the_next_run_after_a_new_confirmation()
    {
        var page = Page(
            $"""<form id="download-form" action="/download"><input type="hidden" name="id" value="{Id}">""" +
            """<input type="hidden" name="confirm" value="t"></form>""");
        _server.Serve("/uc", []);
        _server.Script("/uc", page, page);
        _server.Serve("/download", _model);
        _server.Script("/download", new LoopbackReply { DropAfter = 120_000 });
        using (var first = Fetcher(attempts: 1))
        {
            await Assert.ThrowsAsync<DiagnosticException>(() => first.FetchAsync(Source, Pin, At));
        }

        using var second = Fetcher(attempts: 1);
        var fetched = await second.FetchAsync(Source, Pin, At);

        Assert.Equal(Sha256Digest.Compute(_model), fetched.Digest);
        Assert.Equal(2, _server.RequestsFor("/uc").Count);
        // A reset connection may lose bytes already sent: the resume starts where the first run's data ended.
        var resumedAt = long.Parse(
            _server.RequestsFor("/download")[1].Range!["bytes=".Length..].TrimEnd('-'),
            CultureInfo.InvariantCulture);
        Assert.InRange(resumedAt, 1, 120_000);
        Assert.Equal(_model.Length - resumedAt, fetched.Transferred);
    }

    [Fact]
    public async Task A_page_without_a_way_to_the_file_is_MB2047_quoting_its_title_with_nothing_stored_and_no_retries()
    {
        _server.Serve("/uc", []);
        _server.Script("/uc", Page("<html><head><title>Google Drive - Quota exceeded</title></head><body>Too many users have viewed or " +
            "downloaded this file recently.</body></html>"));
        using var fetcher = Fetcher();

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => fetcher.FetchAsync(Source, Pin, At));

        Assert.Equal("MB2047", error.Diagnostic.Code);
        Assert.Contains("gdrive:" + Id, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("'Google Drive - Quota exceeded'", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(At, error.Diagnostic.Location);
        Assert.Single(_server.Requests);
        Assert.False(_cache.Content.Contains(Sha256Digest.Compute(_model)));
        Assert.Empty(_root.FilesUnder(Path.Combine("cache", "tmp")));
    }

    [Fact]
    public async Task A_second_page_after_the_confirmation_is_MB2047_not_a_loop()
    {
        var page = Page(
            $"""<form id="download-form" action="/uc"><input type="hidden" name="id" value="{Id}">""" +
            """<input type="hidden" name="confirm" value="t"></form>""");
        _server.Serve("/uc", []);
        _server.Script("/uc", page, page, page);
        using var fetcher = Fetcher();

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => fetcher.FetchAsync(Source, Pin, At));

        Assert.Equal("MB2047", error.Diagnostic.Code);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Theory]
    [InlineData("gdrive:")]
    [InlineData("gdrive:1Bz7 5PT")]
    [InlineData("gdrive:../etc/passwd")]
    public void A_gdrive_source_that_is_not_a_file_id_is_MB2043(string text)
    {
        var error = Assert.Throws<DiagnosticException>(() => SourceReference.Parse(text, _root.FullPath, At));

        Assert.Equal("MB2043", error.Diagnostic.Code);
        Assert.Equal(At, error.Diagnostic.Location);
    }

    [Fact]
    public async Task A_plain_http_endpoint_beyond_this_machine_is_MB2044()
    {
        _environment[GoogleDriveResolver.EndpointVariable] = "http://drive.example.com";
        using var fetcher = Fetcher();

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => fetcher.FetchAsync(Source, Pin, At));

        Assert.Equal("MB2044", error.Diagnostic.Code);
        Assert.Contains(GoogleDriveResolver.EndpointVariable, error.Diagnostic.Message, StringComparison.Ordinal);
    }
}
