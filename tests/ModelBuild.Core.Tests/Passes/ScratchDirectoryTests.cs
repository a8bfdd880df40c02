using ModelBuild.Core.Cache;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Core.Tests.Passes;

public sealed class ScratchDirectoryTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Scratch_lives_under_the_open_caches_tmp_named_after_this_process_and_goes_on_dispose()
    {
        using var cache = ModelBuildCache.Open(_root.FullPath);
        string path;
        using (var scratch = new ScratchDirectory("simplify"))
        {
            path = scratch.FullPath;
            Assert.Equal(_root.Combine("tmp"), Path.GetDirectoryName(path));
            Assert.StartsWith($"p{Environment.ProcessId}.", Path.GetFileName(path), StringComparison.Ordinal);
            Assert.EndsWith(".simplify", path, StringComparison.Ordinal);
            Assert.True(Directory.Exists(path));
        }

        Assert.False(Directory.Exists(path));
    }

    [Fact]
    public void Scratch_a_killed_run_left_in_tmp_is_removed_when_the_cache_is_next_opened()
    {
        Directory.CreateDirectory(_root.Combine("tmp"));
        var machine = TempFileOwner.Current.Machine;
        var dead = OutputTemporaryFilesTests.DeadProcessId();
        var leftFolder = _root.Combine("tmp", $"p{dead}.{machine}.{Guid.NewGuid():N}.simplify");
        var leftFile = _root.Combine("tmp", $"p{dead}.{machine}.{Guid.NewGuid():N}.quantize.onnx");
        Directory.CreateDirectory(leftFolder);
        File.WriteAllText(Path.Combine(leftFolder, "model.onnx"), "x");
        File.WriteAllText(leftFile, "x");

        using var cache = ModelBuildCache.Open(_root.FullPath);

        Assert.False(Directory.Exists(leftFolder));
        Assert.False(File.Exists(leftFile));
    }
}
