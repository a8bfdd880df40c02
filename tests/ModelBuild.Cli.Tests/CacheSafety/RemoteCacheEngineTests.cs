using ModelBuild.Core.Cache;
using ModelBuild.Core.Tests.Cache.Remote;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Core.Tests.Sources;

namespace ModelBuild.Cli.Tests.CacheSafety;

/// <summary>
/// Two engines with their own cache roots ("two machines") share a remote cache, a real nginx with
/// WebDAV PUT or a real redis-server: the second downloads nothing from the model's source and
/// computes nothing.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RemoteCacheEngineTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();
    private readonly LoopbackServer _source = new();

    public RemoteCacheEngineTests()
    {
        _source.Serve("/tiny.onnx", _workspace.ModelBytes);
        _workspace.WriteManifest($"""
            input_model:
              source: {_source.BaseUrl}tiny.onnx
              sha256: {Sha256Digest.Compute(_workspace.ModelBytes)}
            shape: [1, 3, 8, 8]
            """);
    }

    public void Dispose()
    {
        _source.Dispose();
        _workspace.Dispose();
    }

    [Fact]
    public async Task Two_machines_sharing_an_nginx_WebDAV_cache()
    {
        using var nginx = new WebDavServer();

        await AssertSecondMachineComputesNothingAsync(nginx.Address);

        Assert.Contains(
            nginx.Requests(),
            r => r.StartsWith("PUT /cache/ac/", StringComparison.Ordinal) && r.EndsWith(" 201", StringComparison.Ordinal));
        Assert.Equal(2, nginx.Requests()
            .Count(r => r.StartsWith("GET /cache/ac/", StringComparison.Ordinal) && r.EndsWith(" 200", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Two_machines_sharing_a_redis_cache()
    {
        using var redis = new RedisServer();

        await AssertSecondMachineComputesNothingAsync(redis.Address);
    }

    [Fact]
    public async Task Two_machines_sharing_a_redis_cache_over_TLS_that_trusts_the_servers_certificate()
    {
        using var redis = new RedisServer(password: "tls-secret", tls: true);
        var environment = new Dictionary<string, string>
        {
            ["SSL_CERT_FILE"] = redis.CertificateFile,
            ["MODELBUILD_REMOTE_CACHE_PASSWORD"] = "tls-secret",
        };

        await AssertSecondMachineComputesNothingAsync(redis.Address, environment);
    }

    [Fact]
    public async Task A_TLS_redis_whose_certificate_is_not_trusted_is_one_MB3010_and_a_local_build()
    {
        using var redis = new RedisServer(tls: true);

        var result = await EngineRequests.CompileAsync(_workspace, Root("a"), Output("a"), redis.Address);

        Assert.True(result.ExitCode == 0, result.ToString());
        var warning = Assert.Single(result.ErrorLines);
        Assert.StartsWith(
            $"modelbuild: warning MB3010: The remote cache {redis.Address} is not used for the rest of this build: ",
            warning,
            StringComparison.Ordinal);
        Assert.Equal((2, 0), EngineRequests.Actions(result));
    }

    [Fact]
    public async Task A_remote_cache_that_is_down_is_one_warning_and_a_successful_build()
    {
        var result = await EngineRequests.CompileAsync(
            _workspace,
            Root("a"),
            Output("a"),
            $"redis://127.0.0.1:{LoopbackServer.FreePort()}");

        Assert.True(result.ExitCode == 0, result.ToString());
        var warning = Assert.Single(result.ErrorLines);
        Assert.StartsWith("modelbuild: warning MB3010: The remote cache redis://127.0.0.1:", warning, StringComparison.Ordinal);
        Assert.Equal((2, 0), EngineRequests.Actions(result));
    }

    private async Task AssertSecondMachineComputesNothingAsync(string remote, IReadOnlyDictionary<string, string>? environment = null)
    {
        var first = await EngineRequests.CompileAsync(_workspace, Root("a"), Output("a"), remote, environment: environment);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal("", first.StandardError);
        Assert.Equal((2, 0), EngineRequests.Actions(first));
        Assert.Single(_source.Requests);

        var second = await EngineRequests.CompileAsync(_workspace, Root("b"), Output("b"), remote, environment: environment);

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal("", second.StandardError);
        Assert.Equal((0, 2), EngineRequests.Actions(second));
        Assert.Single(_source.Requests);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Output("a"), "tiny.onnx")), File.ReadAllBytes(Path.Combine(Output("b"), "tiny.onnx")));
    }

    private string Root(string machine) => Path.Combine(_workspace.Root, "cache-" + machine);

    private string Output(string machine) => Path.Combine(_workspace.Root, "out-" + machine, "tiny");
}
