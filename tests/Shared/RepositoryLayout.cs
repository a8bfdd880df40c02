namespace ModelBuild.Tests;

/// <summary>Finds the repository the tests were built from.</summary>
internal static class RepositoryLayout
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelBuild.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"ModelBuild.sln was not found above '{AppContext.BaseDirectory}'.");
    });

    /// <summary>The folder holding ModelBuild.sln.</summary>
    public static string Root => LazyRoot.Value;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);
}
