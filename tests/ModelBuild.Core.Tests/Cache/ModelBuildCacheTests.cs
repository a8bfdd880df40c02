using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Tests.Cache;

public sealed class ModelBuildCacheTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Open_creates_the_layout_and_the_empty_blob()
    {
        var cache = ModelBuildCache.Open(_root.Combine("cache"));

        Assert.Equal(_root.Combine("cache"), cache.Root);
        foreach (var folder in new[] { "cas/sha256", "ac", "stamps", "tmp", "locks", "quarantine" })
        {
            Assert.True(Directory.Exists(Path.Combine(cache.Root, folder)), folder);
        }

        Assert.True(File.Exists(_root.Combine("cache", "cas", "sha256", Sha256Digest.Empty.Hex[..2], Sha256Digest.Empty.Hex)));
    }

    [Fact]
    public void Open_removes_temporary_files_older_than_an_hour_and_keeps_fresh_ones()
    {
        var tmp = _root.Combine("tmp");
        Directory.CreateDirectory(tmp);
        var old = Path.Combine(tmp, "old.blob");
        var fresh = Path.Combine(tmp, "fresh.blob");
        var oldFolder = Path.Combine(tmp, "old.npm");
        File.WriteAllText(old, "partial");
        File.WriteAllText(fresh, "in flight");
        Directory.CreateDirectory(oldFolder);
        File.WriteAllText(Path.Combine(oldFolder, "pkg.tgz"), "partial");
        var longAgo = DateTime.UtcNow - ModelBuildCache.StaleTempAge - TimeSpan.FromMinutes(5);
        File.SetLastWriteTimeUtc(old, longAgo);
        Directory.SetLastWriteTimeUtc(oldFolder, longAgo);

        ModelBuildCache.Open(_root.FullPath);

        Assert.False(File.Exists(old));
        Assert.False(Directory.Exists(oldFolder));
        Assert.True(File.Exists(fresh));
    }

    [Fact]
    public void Partial_downloads_survive_for_days_so_a_later_run_can_resume_them()
    {
        var partial = _root.Combine("tmp", ModelBuildCache.PartialDownloadsFolder);
        Directory.CreateDirectory(partial);
        var yesterday = Path.Combine(partial, "aaaa.data");
        var lastMonth = Path.Combine(partial, "bbbb.data");
        File.WriteAllText(yesterday, "first half");
        File.WriteAllText(lastMonth, "first half");
        File.SetLastWriteTimeUtc(yesterday, DateTime.UtcNow - TimeSpan.FromDays(1));
        File.SetLastWriteTimeUtc(lastMonth, DateTime.UtcNow - ModelBuildCache.StalePartialDownloadAge - TimeSpan.FromDays(1));
        Directory.SetLastWriteTimeUtc(partial, DateTime.UtcNow - TimeSpan.FromDays(1));

        ModelBuildCache.Open(_root.FullPath).Dispose();

        Assert.True(File.Exists(yesterday));
        Assert.False(File.Exists(lastMonth));
    }

    [Fact]
    public void Open_removes_the_temporary_files_of_a_dead_process_at_once_but_not_a_live_ones()
    {
        var tmp = _root.Combine("tmp");
        Directory.CreateDirectory(tmp);
        using var exited = System.Diagnostics.Process.Start("true")!;
        exited.WaitForExit();
        var dead = Path.Combine(tmp, new TempFileOwner(exited.Id, TempFileOwner.Current.Machine).NewName(".blob"));
        var live = Path.Combine(tmp, TempFileOwner.Current.NewName(".blob"));
        var otherMachine = Path.Combine(tmp, new TempFileOwner(exited.Id, "another-host").NewName(".blob"));
        foreach (var path in new[] { dead, live, otherMachine })
        {
            File.WriteAllText(path, "partial");
        }

        ModelBuildCache.Open(_root.FullPath);

        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(otherMachine));
    }

    [Fact]
    public void A_root_that_cannot_be_created_is_MB3004_naming_the_folder()
    {
        var blocker = _root.Combine("not-a-folder");
        File.WriteAllText(blocker, "");

        var error = Assert.Throws<DiagnosticException>(() => ModelBuildCache.Open(Path.Combine(blocker, "cache")));

        Assert.Equal("MB3004", error.Diagnostic.Code);
        Assert.Contains(Path.Combine(blocker, "cache"), error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveRoot_prefers_the_explicit_root_then_MODELBUILD_CACHE_then_a_per_user_folder()
    {
        var saved = Environment.GetEnvironmentVariable(ModelBuildCache.RootEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(ModelBuildCache.RootEnvironmentVariable, _root.Combine("from-env"));
            Assert.Equal(_root.Combine("explicit"), ModelBuildCache.ResolveRoot(_root.Combine("explicit")));
            Assert.Equal(_root.Combine("from-env"), ModelBuildCache.ResolveRoot(null));

            Environment.SetEnvironmentVariable(ModelBuildCache.RootEnvironmentVariable, null);
            var expected = OperatingSystem.IsWindows()
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "ModelBuild", "cache")
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".modelbuild", "cache");
            Assert.Equal(expected, ModelBuildCache.ResolveRoot("  "));
        }
        finally
        {
            Environment.SetEnvironmentVariable(ModelBuildCache.RootEnvironmentVariable, saved);
        }
    }
}
