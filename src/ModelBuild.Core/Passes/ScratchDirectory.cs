using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Passes;

/// <summary>
/// A private temporary folder, deleted with everything in it on dispose. It lives under the cache's
/// <c>tmp/</c> (of the cache opened earlier in the same flow of work), named with this process's id like
/// every file there (<see cref="TempFileOwner"/>), so the next run removes what a killed run left; work
/// that opened no cache uses <c>modelbuild-scratch/</c> in the system temp folder, swept the same way.
/// </summary>
internal sealed class ScratchDirectory : IDisposable
{
    private static readonly Lazy<string> FallbackRoot = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), "modelbuild-scratch");
        Directory.CreateDirectory(root);
        TemporaryFileSweep.RemoveAbandoned(root, DateTime.UtcNow - TimeSpan.FromDays(1));
        return root;
    });

    // Flows with the work that opened the cache: two caches open in one process (tests) keep their scratch apart.
    private static readonly AsyncLocal<string?> CacheRoot = new();

    public ScratchDirectory(string purpose)
    {
        FullPath = NewPath("." + purpose);
        Directory.CreateDirectory(FullPath);
    }

    public string FullPath { get; }

    /// <summary>The folder scratch goes into: the open cache's <c>tmp/</c>.</summary>
    public static string Root => CacheRoot.Value ?? FallbackRoot.Value;

    /// <summary>Scratch of the calling flow of work (and what it starts) goes under <paramref name="tempDirectory"/> from now on.</summary>
    public static void UseRoot(string tempDirectory) => CacheRoot.Value = tempDirectory;

    /// <summary>A fresh path for one scratch file, e.g. <c>NewPath(".quantize.onnx")</c>; the caller deletes it.</summary>
    public static string NewPath(string suffix)
    {
        var root = Root;
        Directory.CreateDirectory(root);
        return Path.Combine(root, TempFileOwner.Current.NewName(suffix));
    }

    public string Combine(string name) => Path.Combine(FullPath, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(FullPath, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere (a virus scanner) must not fail the build; the next run's sweep removes it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
