namespace ModelBuild.Core.Passes;

/// <summary>A private temporary folder, deleted with everything in it on dispose.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory(string purpose)
    {
        FullPath = Path.Combine(Path.GetTempPath(), $"modelbuild-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(FullPath);
    }

    public string FullPath { get; }

    public string Combine(string name) => Path.Combine(FullPath, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(FullPath, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere (a virus scanner) must not fail the build; the OS cleans temp.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
