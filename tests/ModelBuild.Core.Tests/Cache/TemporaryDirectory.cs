namespace ModelBuild.Core.Tests.Cache;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory()
    {
        FullPath = Path.Combine(Path.GetTempPath(), "modelbuild-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(FullPath);
    }

    public string FullPath { get; }

    public string Combine(params string[] parts) => Path.Combine([FullPath, .. parts]);

    /// <summary>Every file under <paramref name="relativeFolder"/>, relative to it, sorted.</summary>
    public IReadOnlyList<string> FilesUnder(string relativeFolder)
    {
        var folder = Combine(relativeFolder);
        return Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(FullPath, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file on some systems; the OS temp cleaner gets it.
        }
    }
}
