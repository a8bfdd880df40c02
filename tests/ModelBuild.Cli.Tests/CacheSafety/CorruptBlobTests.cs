using ModelBuild.Core.Cache;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Cli.Tests.CacheSafety;

/// <summary>A flipped byte in a cached blob is found before it is embedded, quarantined and computed again.</summary>
public sealed class CorruptBlobTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    /// <summary>Compiles once; returns the output file, its bytes and digest, and the cache's blob of it.</summary>
    private async Task<(string Output, byte[] Good, Sha256Digest Digest, string Blob)> CompileAndFindTheBlobAsync()
    {
        var first = await EngineRequests.CompileAsync(_workspace, _workspace.CacheDir, _workspace.OutputDir);
        Assert.True(first.ExitCode == 0, first.ToString());
        var output = Path.Combine(_workspace.OutputDir, "tiny.onnx");
        var good = File.ReadAllBytes(output);
        var digest = Sha256Digest.Compute(good);
        return (output, good, digest, Path.Combine(_workspace.CacheDir, "cas", "sha256", digest.Hex[..2], digest.Hex));
    }

    [Fact]
    public async Task A_flipped_byte_in_the_compiled_blob_is_quarantined_and_recomputed_never_embedded()
    {
        var (output, good, digest, blob) = await CompileAndFindTheBlobAsync();
        var corrupt = (byte[])good.Clone();
        corrupt[corrupt.Length / 2] ^= 0x01;
        File.WriteAllBytes(blob, corrupt);
        File.Delete(output);

        var second = await EngineRequests.CompileAsync(_workspace, _workspace.CacheDir, _workspace.OutputDir);

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal((1, 1), EngineRequests.Actions(second));
        var warning = Assert.Single(second.ErrorLines);
        Assert.Contains("warning MB3002", warning, StringComparison.Ordinal);
        Assert.Contains(digest.Hex, warning, StringComparison.Ordinal);
        Assert.Equal(good, File.ReadAllBytes(output));
        Assert.Equal(good, File.ReadAllBytes(blob));
        var quarantined = Assert.Single(Directory.GetFiles(Path.Combine(_workspace.CacheDir, "quarantine")));
        Assert.Equal(corrupt, File.ReadAllBytes(quarantined));
    }

    [Fact]
    public async Task A_flipped_byte_behind_an_unchanged_time_stamp_is_caught_while_copied_out_and_the_model_is_rebuilt()
    {
        var (output, good, digest, blob) = await CompileAndFindTheBlobAsync();

        // Bit rot, or a damaged cache restored with cp -a: the size and time stamp its stamp recorded are unchanged.
        var written = File.GetLastWriteTimeUtc(blob);
        var corrupt = (byte[])good.Clone();
        corrupt[corrupt.Length / 2] ^= 0x01;
        File.WriteAllBytes(blob, corrupt);
        File.SetLastWriteTimeUtc(blob, written);
        File.Delete(output);

        var second = await EngineRequests.CompileAsync(_workspace, _workspace.CacheDir, _workspace.OutputDir);

        Assert.True(second.ExitCode == 0, second.ToString());
        second.AssertNoStackTrace();
        var warning = Assert.Single(second.ErrorLines);
        Assert.Contains("warning MB3002", warning, StringComparison.Ordinal);
        Assert.Contains(digest.Hex, warning, StringComparison.Ordinal);
        Assert.Contains("compiling again", second.StandardOutput, StringComparison.Ordinal);
        Assert.Equal((1, 1), EngineRequests.Actions(second));
        Assert.Equal(good, File.ReadAllBytes(output));
        Assert.Equal(good, File.ReadAllBytes(blob));
        var quarantined = Assert.Single(Directory.GetFiles(Path.Combine(_workspace.CacheDir, "quarantine")));
        Assert.Equal(corrupt, File.ReadAllBytes(quarantined));
        Assert.Contains(digest.Hex, File.ReadAllText(Path.Combine(_workspace.OutputDir, "model.json")), StringComparison.Ordinal);
    }
}
