using ModelBuild.Core.Tests.Pipeline;
using Xunit.Abstractions;

namespace ModelBuild.Cli.Tests.CacheSafety;

/// <summary>
/// Writes that fail for reasons of the machine — the file size limit, a full disk, a read-only folder — end
/// the build with one coded error naming the path, never an internal error; the cache stays consistent and
/// the next build, once the cause is gone, succeeds with the same output.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StorageFailureTests(ITestOutputHelper log) : IDisposable
{
    // About 330 KB: larger than the 250 KiB file size limit of the first test.
    private const int MediumChannels = 96;

    // About 700 KB: one such blob fits a 1 MiB disk, a second does not.
    private const int LargeChannels = 140;

    private readonly EngineWorkspace _workspace = new();
    private string? _salt;

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task A_write_past_the_file_size_limit_is_MB3021_and_the_next_build_succeeds()
    {
        _workspace.WriteModelsFile("tiny.onnx", WideConvNet.Bytes(MediumChannels));

        // The runtime's W^X double mapping sizes a memory file past any small limit, so .NET itself cannot start under one.
        var limited = await EngineProcess.RunAsync(
            Compile(),
            new Dictionary<string, string> { ["DOTNET_EnableWriteXorExecute"] = "0" },
            shellSetup: "ulimit -f 250");

        AssertFailedWith(limited, "MB3021", _workspace.CacheDir);
        Assert.Contains("ulimit -f", limited.StandardError, StringComparison.Ordinal);
        await AssertNextBuildSucceedsAsync();
    }

    [Fact]
    public async Task A_full_cache_disk_is_MB3020_with_the_free_space_and_the_next_build_succeeds()
    {
        using var disk = TestMount.Tmpfs(_workspace.CacheDir, "1m");
        if (Skipped(disk))
        {
            return;
        }

        _workspace.WriteModelsFile("tiny.onnx", WideConvNet.Bytes(LargeChannels));

        var full = await EngineProcess.RunAsync(Compile());

        AssertFailedWith(full, "MB3020", _workspace.CacheDir);
        Assert.Matches(@"\(\d+(\.\d)? (bytes|KiB|MiB) free\)", full.StandardError);
        disk.Resize("8m");
        await AssertNextBuildSucceedsAsync();
    }

    [Fact]
    public async Task A_full_output_disk_is_MB3020_and_leaves_no_temporary_file_there()
    {
        var first = await EngineProcess.RunAsync(Compile());
        Assert.True(first.ExitCode == 0, first.ToString());
        Directory.Delete(_workspace.OutputDir, recursive: true);
        _workspace.WriteModelsFile("tiny.onnx", WideConvNet.Bytes(LargeChannels));
        using var disk = TestMount.Tmpfs(_workspace.OutputDir, "256k");
        if (Skipped(disk))
        {
            return;
        }

        var full = await EngineProcess.RunAsync(Compile());

        AssertFailedWith(full, "MB3020", _workspace.OutputDir);
        Assert.Empty(Directory.GetFiles(_workspace.OutputDir, "*.tmp"));
        disk.Resize("8m");
        await AssertNextBuildSucceedsAsync();
    }

    [Fact]
    public async Task A_read_only_cache_is_MB3023_naming_the_cache_and_the_next_build_succeeds()
    {
        var first = await EngineProcess.RunAsync(Compile());
        Assert.True(first.ExitCode == 0, first.ToString());

        // A new salt: the build needs actions the read-only cache does not hold.
        _salt = "read-only";
        using (var readOnly = TestMount.ReadOnly(_workspace.CacheDir))
        {
            if (Skipped(readOnly))
            {
                return;
            }

            var refused = await EngineProcess.RunAsync(Compile());

            AssertFailedWith(refused, "MB3023", _workspace.CacheDir);
        }

        await AssertNextBuildSucceedsAsync();
    }

    [Fact]
    public async Task A_read_only_output_folder_is_MB3023_naming_it_and_the_next_build_succeeds()
    {
        using (var readOnly = TestMount.ReadOnly(_workspace.OutputDir))
        {
            if (Skipped(readOnly))
            {
                return;
            }

            var refused = await EngineProcess.RunAsync(Compile());

            AssertFailedWith(refused, "MB3023", _workspace.OutputDir);
        }

        await AssertNextBuildSucceedsAsync();
    }

    [Fact]
    public async Task An_immutable_output_folder_is_MB3022_permission_denied_and_the_next_build_succeeds()
    {
        Directory.CreateDirectory(_workspace.OutputDir);

        // chattr +i refuses writes to root too, where the permission bits do not.
        if (TestMount.Chattr("+i", _workspace.OutputDir) is { } reason)
        {
            log.WriteLine($"Skipped: {reason}.");
            return;
        }

        EngineResult refused;
        try
        {
            refused = await EngineProcess.RunAsync(Compile());
        }
        finally
        {
            Assert.Null(TestMount.Chattr("-i", _workspace.OutputDir));
        }

        AssertFailedWith(refused, "MB3022", _workspace.OutputDir);
        await AssertNextBuildSucceedsAsync();
    }

    private void AssertFailedWith(EngineResult result, string code, string folder)
    {
        Assert.True(result.ExitCode == 1, result.ToString());
        result.AssertNoStackTrace();
        Assert.DoesNotContain("MB9000", result.StandardError, StringComparison.Ordinal);
        var error = Assert.Single(result.ErrorLines, l => l.Contains($"error {code}", StringComparison.Ordinal));
        log.WriteLine(error);
        Assert.Contains($"'{folder}/", error, StringComparison.Ordinal);
    }

    /// <summary>Builds again without the cause; the output is what an undisturbed build makes, and the cache verifies.</summary>
    private async Task AssertNextBuildSucceedsAsync()
    {
        var again = await EngineProcess.RunAsync(Compile());
        Assert.True(again.ExitCode == 0, again.ToString());
        var reference = Path.Combine(_workspace.Root, "reference");
        var undisturbed = await EngineProcess.RunAsync(
            ["compile", _workspace.ManifestPath, "--output-dir", reference, "--cache-dir", Path.Combine(
                _workspace.Root,
                "reference-cache")]);
        Assert.True(undisturbed.ExitCode == 0, undisturbed.ToString());
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(reference, "tiny.onnx")),
            File.ReadAllBytes(Path.Combine(_workspace.OutputDir, "tiny.onnx")));
        var verify = await EngineProcess.RunAsync(["cache", "verify", "--cache-dir", _workspace.CacheDir]);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains(" 0 corrupt blobs, 0 corrupt records", verify.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_workspace.OutputDir, "*.tmp"));
    }

    private bool Skipped(TestMount mount)
    {
        if (mount.SkipReason is { } reason)
        {
            log.WriteLine($"Skipped: {reason}.");
            return true;
        }

        return false;
    }

    private string[] Compile() =>
        ["compile", _workspace.ManifestPath, "--output-dir", _workspace.OutputDir, "--cache-dir", _workspace.CacheDir, .. _salt is null
            ? Array.Empty<string>()
            : ["--salt", _salt]];
}
