using ModelBuild.Core.Cache;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Cli.Tests.CacheSafety;

/// <summary>
/// The engine killed (SIGKILL) at exact steps of a cold build through the <c>MODELBUILD_CRASH_AT</c> test hook,
/// so no kill depends on timing: after each, <c>cache verify</c> finds nothing corrupt, and the next build
/// succeeds with the bytes of an undisturbed build and leaves no temporary file behind.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CrashPointTests : IDisposable
{
    // 128 + SIGKILL, the exit code of a process killed by kill -9.
    private const int KilledExitCode = 137;

    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Theory]
    [InlineData(CrashPoint.BlobWritten)]
    [InlineData(CrashPoint.BlobWritten + ":2")]
    [InlineData(CrashPoint.RecordWritten)]
    [InlineData(CrashPoint.RecordWritten + ":2")]
    [InlineData(CrashPoint.OutputWritten)]
    [InlineData(CrashPoint.OutputWritten + ":2")]
    public async Task A_build_killed_right_after_a_step_leaves_a_cache_that_verifies_and_rebuilds_the_same_bytes(string crashAt)
    {
        var reference = Path.Combine(_workspace.Root, "reference");
        var undisturbed = await EngineProcess.RunAsync(Compile(Path.Combine(_workspace.Root, "reference-cache"), reference));
        Assert.True(undisturbed.ExitCode == 0, undisturbed.ToString());

        var crashed = await EngineProcess.RunAsync(
            Compile(_workspace.CacheDir, _workspace.OutputDir),
            new Dictionary<string, string> { [CrashPoint.EnvironmentVariable] = crashAt });
        Assert.True(crashed.ExitCode == KilledExitCode, $"{crashAt} was not reached: {crashed}");

        var verify = await EngineProcess.RunAsync(["cache", "verify", "--cache-dir", _workspace.CacheDir]);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains(" 0 corrupt blobs, 0 corrupt records", verify.StandardOutput, StringComparison.Ordinal);

        var again = await EngineProcess.RunAsync(Compile(_workspace.CacheDir, _workspace.OutputDir));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Empty(again.ErrorLines);
        foreach (var file in Directory.GetFiles(reference))
        {
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(_workspace.OutputDir, Path.GetFileName(file))));
        }

        Assert.Empty(Directory.GetFiles(_workspace.OutputDir, "*.tmp"));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_workspace.CacheDir, "tmp")));
        var verifyAfter = await EngineProcess.RunAsync(["cache", "verify", "--cache-dir", _workspace.CacheDir]);
        Assert.Contains(" 0 corrupt blobs, 0 corrupt records", verifyAfter.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unset_or_unreached_crash_point_changes_nothing()
    {
        var result = await EngineProcess.RunAsync(
            Compile(_workspace.CacheDir, _workspace.OutputDir),
            new Dictionary<string, string> { [CrashPoint.EnvironmentVariable] = CrashPoint.BlobWritten + ":1000" });

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private string[] Compile(string cache, string output) =>
        ["compile", _workspace.ManifestPath, "--output-dir", output, "--cache-dir", cache];
}
