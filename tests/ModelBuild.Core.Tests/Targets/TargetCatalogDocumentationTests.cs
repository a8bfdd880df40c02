using ModelBuild.Core.Targets;
using ModelBuild.Tests;

namespace ModelBuild.Core.Tests.Targets;

/// <summary>The README's capability matrix is the catalog's: the same targets, precisions and output files.</summary>
public sealed class TargetCatalogDocumentationTests
{
    [Fact]
    public void The_README_matrix_lists_every_target_with_the_catalogs_precisions_and_output_files()
    {
        var readme = File.ReadAllLines(RepositoryLayout.PathOf("README.md"));
        var start = Array.IndexOf(readme, "## Targets and precisions");
        Assert.True(start >= 0, "README.md has no '## Targets and precisions' section.");
        var rows = readme.Skip(start).TakeWhile((line, i) => i == 0 || !line.StartsWith("## ", StringComparison.Ordinal))
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries)[1..^1])
            .ToList();

        Assert.Equal(TargetCatalog.All.Select(t => $"`{t.Name}`"), rows.Select(r => r[0]));
        foreach (var (target, row) in TargetCatalog.All.Zip(rows))
        {
            Assert.Equal(string.Join(", ", target.Supported), row[1]);
            Assert.StartsWith(string.Join(", ", target.Implemented), row[2], StringComparison.Ordinal);
            Assert.All(target.OutputExtensions, extension => Assert.Contains($"`{extension}`", row[3], StringComparison.Ordinal));
        }
    }
}
