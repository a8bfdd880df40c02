using System.Diagnostics;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Pipeline;

public sealed class OutputTemporaryFilesTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_temporary_file_of_a_dead_process_is_removed_and_a_live_ones_are_kept()
    {
        var dead = _folder.Combine($"tiny.onnx.{DeadProcessId()}.tmp");
        var mine = OutputTemporaryFiles.PathFor(_folder.Combine("tiny.onnx"));
        var unrelated = _folder.Combine("notes.tmp");
        var output = _folder.Combine("tiny.onnx");
        foreach (var path in new[] { dead, mine, unrelated, output })
        {
            File.WriteAllText(path, "x");
        }

        var removed = OutputTemporaryFiles.RemoveAbandoned(_folder.FullPath);

        Assert.Equal(1, removed);
        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(mine));
        Assert.True(File.Exists(unrelated));
        Assert.True(File.Exists(output));
    }

    [Fact]
    public void A_missing_folder_has_nothing_to_remove() =>
        Assert.Equal(0, OutputTemporaryFiles.RemoveAbandoned(_folder.Combine("absent")));

    /// <summary>The id of a process that has just exited (ids are not reused that quickly).</summary>
    internal static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}
