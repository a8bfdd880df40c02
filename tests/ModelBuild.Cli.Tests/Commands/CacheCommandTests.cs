using System.Text.RegularExpressions;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary><c>modelbuild cache stats | ls | verify | prune | clear</c> on a cache a real compile filled.</summary>
public sealed partial class CacheCommandTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();

    public CacheCommandTests()
    {
        var compiled = EngineProcess.Run(
            "compile",
            _workspace.ManifestPath,
            "--output-dir",
            _workspace.OutputDir,
            "--cache-dir",
            _workspace.CacheDir);
        Assert.True(compiled.ExitCode == 0, compiled.ToString());
    }

    public void Dispose() => _workspace.Dispose();

    private string CompiledDigest => Sha256Digest.ComputeFile(Path.Combine(_workspace.OutputDir, "tiny.onnx")).Hex;

    [Fact]
    public void Stats_prints_entries_sizes_and_the_budget()
    {
        var result = Cache("stats");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Cache:       {_workspace.CacheDir}", result.StandardOutput, StringComparison.Ordinal);

        // The source model, its signature, the prepared model and its signature, and the empty blob.
        Assert.Matches(@"Blobs:       6 \([\d.]+ KiB of a 10 GiB budget, 0 %\)", result.StandardOutput);
        Assert.Contains("Actions:     2 records", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Quarantine:  0 entries (0 B)", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Ls_lists_every_blob_and_action_with_its_size()
    {
        var result = Cache("ls");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(6, BlobLine().Count(result.StandardOutput));
        Assert.Contains($"blob    sha256:{CompiledDigest}", result.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"action  [0-9a-f]{64} inspect \(1 outputs\)", result.StandardOutput);
        Assert.Matches(@"action  [0-9a-f]{64} prepare \(3 outputs\)", result.StandardOutput);
    }

    [Fact]
    public void Verify_passes_a_clean_cache_and_fails_with_MB3007_on_a_rotten_blob_whose_stamp_still_matches()
    {
        var clean = Cache("verify");
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Contains(
            "Verified 6 blobs and 2 action records: 0 corrupt blobs, 0 corrupt records",
            clean.StandardOutput,
            StringComparison.Ordinal);

        // Size and time stamp unchanged: only a full re-hash can see it.
        var blob = Path.Combine(_workspace.CacheDir, "cas", "sha256", CompiledDigest[..2], CompiledDigest);
        var stamp = File.GetLastWriteTimeUtc(blob);
        var bytes = File.ReadAllBytes(blob);
        bytes[^3] ^= 0x10;
        File.WriteAllBytes(blob, bytes);
        File.SetLastWriteTimeUtc(blob, stamp);

        var rotten = Cache("verify");

        Assert.Equal(1, rotten.ExitCode);
        Assert.Contains("1 corrupt blobs", rotten.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("1 records removed because their blobs are gone", rotten.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(
            rotten.ErrorLines,
            l => l.Contains("warning MB3002", StringComparison.Ordinal) && l.Contains(CompiledDigest, StringComparison.Ordinal));
        Assert.Contains(
            rotten.ErrorLines,
            l => l.StartsWith("modelbuild: error MB3007: cache verify found 1 corrupt entries", StringComparison.Ordinal));
        rotten.AssertNoStackTrace();
        Assert.False(File.Exists(blob));
    }

    [Fact]
    public void Prune_to_zero_removes_everything_but_the_empty_blob_and_the_next_compile_recomputes()
    {
        var pruned = Cache("prune", "--max-size", "0");

        Assert.True(pruned.ExitCode == 0, pruned.ToString());
        Assert.Matches(@"Removed 5 blobs \([\d.]+ KiB\) and 2 action records; 0 B left\.", pruned.StandardOutput);
        var again = EngineProcess.Run(
            "compile",
            _workspace.ManifestPath,
            "--output-dir",
            _workspace.OutputDir,
            "--cache-dir",
            _workspace.CacheDir);
        Assert.Contains("2 actions run, 0 from cache", again.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Prune_by_age_keeps_what_was_just_used()
    {
        var pruned = Cache("prune", "--older-than", "30d");

        Assert.True(pruned.ExitCode == 0, pruned.ToString());
        Assert.Contains("Removed 0 blobs (0 B) and 0 action records", pruned.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--max-size", "lots", "MB3005")]
    [InlineData("--older-than", "a while", "MB3006")]
    public void A_bad_prune_setting_is_a_diagnostic_not_a_stack_trace(string option, string value, string code)
    {
        var result = Cache("prune", option, value);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error {code}: '{value}'", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public void Clear_empties_the_cache()
    {
        var cleared = Cache("clear");

        Assert.True(cleared.ExitCode == 0, cleared.ToString());
        Assert.Contains("Blobs:       1 (0 B", Cache("stats").StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Actions:     0 records", Cache("stats").StandardOutput, StringComparison.Ordinal);
    }

    private EngineResult Cache(params string[] arguments) =>
        EngineProcess.Run(["cache", .. arguments, "--cache-dir", _workspace.CacheDir]);

    [GeneratedRegex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +[\d.]+ [KMG]?i?B  blob    sha256:[0-9a-f]{64}$", RegexOptions.Multiline)]
    private static partial Regex BlobLine();
}
