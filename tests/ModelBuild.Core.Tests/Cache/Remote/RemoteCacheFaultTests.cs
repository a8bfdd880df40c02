using System.Net;
using System.Net.Sockets;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Cache.Remote;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Tests.Sources;

namespace ModelBuild.Core.Tests.Cache.Remote;

/// <summary>A remote cache that is down, silent, refusing or misconfigured: one warning, never a failure.</summary>
public sealed class RemoteCacheFaultTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();
    private readonly List<Diagnostic> _reported = [];

    public void Dispose() => _root.Dispose();

    public static TheoryData<string> Schemes() => ["http", "redis"];

    [Theory]
    [MemberData(nameof(Schemes))]
    public async Task A_server_that_is_down_gives_one_MB3010_for_any_number_of_requests(string scheme)
    {
        var address = $"{scheme}://127.0.0.1:{LoopbackServer.FreePort()}/";
        using var cache = Open(address);
        var stored = await cache.Content.PutAsync("content"u8.ToArray());
        var key = new ActionKey(Sha256Digest.Compute("k"u8));

        for (var i = 0; i < 3; i++)
        {
            Assert.Null(await cache.Remote!.TryDownloadActionAsync(cache, key, default));
            Assert.False(await cache.Remote.TryDownloadBlobAsync(cache.Content, Sha256Digest.Compute("absent"u8), null, default));
            await cache.Remote.UploadActionAsync(cache.Content, key, new ActionRecord("a", [new("out", stored)]), default);
        }

        var warning = Assert.Single(_reported);
        Assert.Equal("MB3010", warning.Code);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Contains("127.0.0.1:", warning.Message, StringComparison.Ordinal);
        Assert.True(cache.Remote!.Faulted);
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public async Task A_server_that_accepts_but_never_answers_times_out_into_one_MB3010(string scheme)
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var cache = ModelBuildCache.Open(
            new CacheOptions
            {
                Root = _root.FullPath,
                RemoteCache = $"{scheme}://127.0.0.1:{port}/",
                RemoteTimeout = TimeSpan.FromMilliseconds(300)
            },
            Report);

        Assert.Null(await cache.Remote!.TryDownloadActionAsync(cache, new ActionKey(Sha256Digest.Compute("k"u8)), default));
        Assert.False(await cache.Remote.TryDownloadBlobAsync(cache.Content, Sha256Digest.Compute("absent"u8), null, default));

        var warning = Assert.Single(_reported);
        Assert.Equal("MB3010", warning.Code);
        Assert.Contains("within 300 ms", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_wrong_redis_password_is_one_MB3010_that_never_shows_the_password()
    {
        using var server = new RedisServer(password: "right-password");

        // In the address rather than MODELBUILD_REMOTE_CACHE_PASSWORD: tests run in parallel and share the environment.
        using var cache = Open($"redis://:wrong-secret-1234@127.0.0.1:{server.Port}");

        Assert.Null(await cache.Remote!.TryDownloadActionAsync(cache, new ActionKey(Sha256Digest.Compute("k"u8)), default));
        Assert.False(await cache.Remote.TryDownloadBlobAsync(cache.Content, Sha256Digest.Compute("absent"u8), null, default));

        var warning = Assert.Single(_reported, d => d.Code == "MB3010");
        Assert.Contains("refused the credentials", warning.Message, StringComparison.Ordinal);
        Assert.All(_reported, d => Assert.DoesNotContain("wrong-secret-1234", d.Message, StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task The_right_password_from_the_address_is_accepted_and_not_displayed()
    {
        using var server = new RedisServer(password: "s3cret");
        using (var fromAddress = Open($"redis://:s3cret@127.0.0.1:{server.Port}"))
        {
            Assert.Null(await fromAddress.Remote!.TryDownloadActionAsync(fromAddress, new ActionKey(Sha256Digest.Compute("k"u8)), default));
            Assert.Equal($"redis://***@127.0.0.1:{server.Port}", fromAddress.Remote.DisplayAddress);
        }

        // Accepted, with the advice to move the password into the environment.
        var advice = Assert.Single(_reported);
        Assert.Equal("MB3040", advice.Code);
        Assert.Contains("MODELBUILD_REMOTE_CACHE_PASSWORD", advice.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", advice.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://cache.example/", "scheme 'ftp:'")]
    [InlineData("redis://cache.example/models", "database number")]
    [InlineData("not a url", "absolute URL")]
    [InlineData("http://127.0.0.1:1/c?sig=hunter2", "query")]
    [InlineData("https://ci:hunter2@cache.example/c?token=hunter2#hunter2", "query")]
    public void An_unusable_address_is_MB3011_with_credentials_blanked_and_no_remote_tier(string address, string reason)
    {
        using var cache = Open(address);

        Assert.Null(cache.Remote);
        var warning = Assert.Single(_reported);
        Assert.Equal("MB3011", warning.Code);
        Assert.Contains(reason, warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_display_address_never_holds_user_name_password_or_query()
    {
        Assert.True(RemoteCacheAddress.TryParse("https://ci:token@cache.example:8443/team/models", out var address, out _));

        Assert.Equal("https://***@cache.example:8443/team/models", address.DisplayText);
        Assert.Equal("ci", RemoteCacheCredentials.For(address).UserName);
        Assert.Equal("a password", RemoteCacheCredentials.For(address).ToString());
    }

    [Theory]
    [InlineData("redis://default:hunter2@127.0.0.1:{0}")]
    [InlineData("http://ci:hunter2@127.0.0.1:{0}/cache")]
    public async Task A_password_in_the_address_is_MB3040_naming_the_variables_and_the_unreachable_server_is_MB3010_without_it(
        string template)
    {
        using var cache = Open(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, LoopbackServer.FreePort()));
        Assert.Null(await cache.Remote!.TryDownloadActionAsync(cache, new ActionKey(Sha256Digest.Compute("k"u8)), default));

        Assert.Equal(["MB3040", "MB3010"], _reported.Select(d => d.Code));
        Assert.Contains("MODELBUILD_REMOTE_CACHE_PASSWORD", _reported[0].Message, StringComparison.Ordinal);
        Assert.Contains("MODELBUILD_REMOTE_CACHE_USERNAME", _reported[0].Message, StringComparison.Ordinal);
        Assert.All(_reported, d => Assert.DoesNotContain("hunter2", d.Message, StringComparison.Ordinal));
        Assert.All(_reported, d => Assert.Contains("***@127.0.0.1:", d.Message, StringComparison.Ordinal));
    }

    private ModelBuildCache Open(string address) =>
        ModelBuildCache.Open(
            new CacheOptions { Root = _root.FullPath, RemoteCache = address, RemoteTimeout = TimeSpan.FromSeconds(10) },
            Report);

    private void Report(Diagnostic diagnostic)
    {
        lock (_reported)
        {
            _reported.Add(diagnostic);
        }
    }
}
