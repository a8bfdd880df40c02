using System.Diagnostics;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Tests.Cache;

public sealed class CacheLockTests : IDisposable
{
    private static readonly TimeSpan Patient = TimeSpan.FromMinutes(2);

    private readonly TemporaryDirectory _root = new();
    private readonly ModelBuildCache _cache;

    public CacheLockTests() => _cache = ModelBuildCache.Open(_root.FullPath);

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task A_held_lock_makes_a_second_acquire_time_out_with_MB3003_naming_the_holder()
    {
        using var held = await _cache.AcquireLockAsync("model-a", TimeSpan.Zero);
        var heard = new List<string>();

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => _cache.AcquireLockAsync("model-a", TimeSpan.Zero, heard.Add));

        Assert.Equal("MB3003", error.Diagnostic.Code);
        Assert.Contains("model-a", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains($"process {Environment.ProcessId} ", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains($"process {Environment.ProcessId} ", Assert.Single(heard), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Different_keys_do_not_contend()
    {
        using var first = await _cache.AcquireLockAsync("model-a", TimeSpan.Zero);
        using var second = await _cache.AcquireLockAsync("model-b", TimeSpan.Zero);

        Assert.Equal("model-b", second.Key);
    }

    [Fact]
    public async Task A_waiter_gets_the_lock_once_the_holder_releases_it()
    {
        var held = await _cache.AcquireLockAsync("model-a", TimeSpan.Zero);
        string? heard = null;

        // The holder releases as soon as the waiter reports that it is waiting.
        using var acquired = await _cache.AcquireLockAsync("model-a", Patient, holder =>
        {
            heard = holder;
            held.Dispose();
        });

        Assert.Equal("model-a", acquired.Key);
        Assert.Contains($"process {Environment.ProcessId} ", heard, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lock_file_left_by_a_dead_holder_is_taken_at_once()
    {
        var lockPath = Path.Combine(_cache.Layout.LocksDirectory, "model-a.lock");
        await File.WriteAllTextAsync(lockPath, "process 999999 (modelbuild) on build-agent since 2020-01-01 00:00:00 UTC");
        await File.WriteAllTextAsync(Path.ChangeExtension(lockPath, ".holder"), "process 999999 (modelbuild)");

        using var acquired = await _cache.AcquireLockAsync("model-a", TimeSpan.Zero);

        Assert.Equal("model-a", acquired.Key);
    }

    [Fact]
    public async Task A_lock_held_by_another_process_blocks_until_that_process_is_killed()
    {
        // flock(1) takes the same kind of lock .NET takes for FileShare.None on Unix.
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/flock"))
        {
            return;
        }

        var lockPath = Path.Combine(_cache.Layout.LocksDirectory, "model-a.lock");
        var start = new ProcessStartInfo("/usr/bin/flock") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--exclusive", lockPath, "--command", "echo locked && exec sleep 600" })
        {
            start.ArgumentList.Add(argument);
        }

        using var holder = Process.Start(start)!;
        try
        {
            Assert.Equal("locked", await holder.StandardOutput.ReadLineAsync());

            var error = await Assert.ThrowsAsync<DiagnosticException>(() => _cache.AcquireLockAsync("model-a", TimeSpan.Zero));
            Assert.Equal("MB3003", error.Diagnostic.Code);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }

        using var acquired = await _cache.AcquireLockAsync("model-a", Patient);
        Assert.Equal("model-a", acquired.Key);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    public async Task Keys_must_be_plain_file_names(string key) =>
        await Assert.ThrowsAsync<ArgumentException>(() => _cache.AcquireLockAsync(key, TimeSpan.Zero));
}
