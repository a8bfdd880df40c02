using System.Security.Cryptography;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Tests.Sources;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>
/// A manifest's <c>input_model</c> pinned by <c>sha384</c>, <c>sha512</c> or an SRI <c>integrity</c>, fetched from a
/// loopback server and compiled; a wrong pin is MB2012 naming the source and both digests, with the cache and
/// outputs as they were; <c>allow_insecure</c> lets plain http reach another machine, with warning MB2008.
/// </summary>
public sealed class InputModelPinCompileTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();
    private readonly LoopbackServer _server = new();

    public InputModelPinCompileTests() => _server.Serve("/m/tiny.onnx", _workspace.ModelBytes);

    public void Dispose()
    {
        _server.Dispose();
        _workspace.Dispose();
    }

    private string Url => _server.BaseUrl + "m/tiny.onnx";

    private static byte[] Hash(string algorithm, byte[] bytes) => algorithm switch
    {
        "sha384" => SHA384.HashData(bytes),
        "sha512" => SHA512.HashData(bytes),
        _ => SHA256.HashData(bytes),
    };

    /// <summary>The manifest line pinning <paramref name="bytes"/> with <paramref name="key"/>: hex, or for <c>integrity</c> SRI of
    /// <paramref name="algorithm"/>.</summary>
    private static string Pin(string key, string algorithm, byte[] bytes) => key == "integrity"
        ? $"integrity: {algorithm}-{Convert.ToBase64String(Hash(algorithm, bytes))}"
        : $"{key}: {Convert.ToHexStringLower(Hash(key, bytes))}";

    private void WriteManifest(string pin) => _workspace.WriteManifest($"""
        input_model:
          source: {Url}
          {pin}
        shape: [1, 3, 8, 8]
        """);

    [Theory]
    [InlineData("sha384", "sha384")]
    [InlineData("sha512", "sha512")]
    [InlineData("integrity", "sha512")]
    [InlineData("integrity", "sha384")]
    public async Task A_model_pinned_by_another_digest_is_fetched_verified_and_compiled(string key, string algorithm)
    {
        WriteManifest(Pin(key, algorithm, _workspace.ModelBytes));

        var outcome = await _workspace.CompileAsync();

        Assert.Empty(outcome.Diagnostics);
        Assert.NotNull(outcome.Model);
        Assert.Single(_server.RequestsFor("/m/tiny.onnx"));

        // Pinned, the second build needs no network: the digest finds the blob.
        var again = await _workspace.CompileAsync();
        Assert.NotNull(again.Model);
        Assert.Single(_server.RequestsFor("/m/tiny.onnx"));
    }

    [Theory]
    [InlineData("sha384", "sha384")]
    [InlineData("sha512", "sha512")]
    [InlineData("integrity", "sha512")]
    public async Task A_wrong_pin_is_MB2012_naming_the_file_and_both_digests_and_changes_nothing(string key, string algorithm)
    {
        _workspace.WriteManifest(EngineWorkspace.DefaultManifest);
        Assert.NotNull((await _workspace.CompileAsync()).Model);
        var other = TinyConvNet.Bytes().Append((byte)0).ToArray();
        WriteManifest(Pin(key, algorithm, other));
        var before = _workspace.Snapshot();

        var outcome = await _workspace.CompileAsync();

        Assert.Null(outcome.Model);
        var error = Assert.Single(outcome.Diagnostics);
        Assert.Equal("MB2012", error.Code);
        Assert.Equal(_workspace.ManifestAt(2, 11), error.Location);
        Assert.Contains(Url, error.Message, StringComparison.Ordinal);
        Assert.Contains(
            $"expected {algorithm} {Convert.ToHexStringLower(Hash(algorithm, other))}",
            error.Message,
            StringComparison.Ordinal);
        Assert.Contains(
            $"got {algorithm} {Convert.ToHexStringLower(Hash(algorithm, _workspace.ModelBytes))}",
            error.Message,
            StringComparison.Ordinal);
        _workspace.Snapshot().AssertUnchangedSince(before);
        Assert.Empty(_workspace.CacheTempFiles());
    }

    [Theory]
    [InlineData("sha384", "sha384")]
    [InlineData("integrity", "sha512")]
    public async Task A_local_file_that_misses_its_pin_is_never_stored(string key, string algorithm)
    {
        _workspace.WriteManifest(EngineWorkspace.DefaultManifest);
        Assert.NotNull((await _workspace.CompileAsync()).Model);
        var changed = TinyConvNet.Bytes().Append((byte)7).ToArray();
        _workspace.WriteModelsFile("changed.onnx", changed);
        _workspace.WriteManifest($"""
            input_model:
              source: changed.onnx
              {Pin(key, algorithm, _workspace.ModelBytes)}
            """);
        var before = _workspace.Snapshot();

        var outcome = await _workspace.CompileAsync();

        var error = Assert.Single(outcome.Diagnostics);
        Assert.Equal(("MB2012", _workspace.ManifestAt(2, 11)), (error.Code, error.Location));
        Assert.Contains(Path.Combine(_workspace.ModelsFolder, "changed.onnx"), error.Message, StringComparison.Ordinal);
        Assert.Contains($"got {algorithm} {Convert.ToHexStringLower(Hash(algorithm, changed))}", error.Message, StringComparison.Ordinal);
        _workspace.Snapshot().AssertUnchangedSince(before);
        Assert.Empty(_workspace.CacheTempFiles());
    }

    [Fact]
    public async Task Allow_insecure_lets_plain_http_reach_another_machine_with_MB2008_at_its_line()
    {
        // The pinned blob is already cached, so the build needs no network to prove the source is accepted.
        await ModelBuildCache.Open(_workspace.CacheDir).Content.PutAsync(_workspace.ModelBytes);
        var sha256 = Sha256Digest.Compute(_workspace.ModelBytes).Hex;
        _workspace.WriteManifest($"""
            input_model:
              source: http://mirror.example.invalid/tiny.onnx
              sha256: {sha256}
              allow_insecure: true
            shape: [1, 3, 8, 8]
            """);

        var outcome = await _workspace.CompileAsync();

        Assert.NotNull(outcome.Model);
        var warning = Assert.Single(outcome.Diagnostics);
        Assert.Equal(
            ("MB2008", DiagnosticSeverity.Warning, _workspace.ManifestAt(4, 19)),
            (warning.Code, warning.Severity, warning.Location));
        Assert.Contains("mirror.example.invalid", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_allow_insecure_plain_http_to_another_machine_is_MB2003()
    {
        _workspace.WriteManifest($"""
            input_model:
              source: http://mirror.example.invalid/tiny.onnx
              sha256: {Sha256Digest.Compute(_workspace.ModelBytes).Hex}
            """);

        var error = Assert.Single((await _workspace.CompileAsync()).Diagnostics);

        Assert.Equal(("MB2003", _workspace.ManifestAt(2, 11)), (error.Code, error.Location));
    }
}
