using System.Reflection;
using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Tests.Diagnostics;

public sealed partial class DiagnosticsDocumentationTests
{
    [GeneratedRegex(@"\bMB\d{4}\b")]
    private static partial Regex CodePattern();

    [GeneratedRegex(@"^\|\s*(MB\d{4})\s*\|", RegexOptions.Multiline)]
    private static partial Regex DocumentedRowPattern();

    private static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ModelBuild.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("ModelBuild.sln not found above the test folder.");
        }
    }

    private static readonly string[] SourceFolders = ["src", "sdk", "eng"];

    [Fact]
    public void Every_code_used_in_the_sources_has_a_row_in_docs()
    {
        var documented = DocumentedCodes();
        var sourceFiles = SourceFolders
            .Select(d => Path.Combine(RepoRoot, d))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".targets", StringComparison.Ordinal)
                || f.EndsWith(".props", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

        var missing = sourceFiles
            .SelectMany(
                f => CodePattern().Matches(File.ReadAllText(f)).Select(m => (Code: m.Value, File: Path.GetRelativePath(RepoRoot, f))))
            .Where(x => !documented.Contains(x.Code))
            .Select(x => $"{x.Code} ({x.File})")
            .Distinct()
            .ToList();

        Assert.True(missing.Count == 0, "Codes without a row in docs/diagnostics.md: " + string.Join(", ", missing));
    }

    [Fact]
    public void Descriptor_codes_are_unique_and_in_the_MB_form()
    {
        var descriptors = typeof(Diagnostic).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToList();

        Assert.All(descriptors, d => Assert.Matches(@"^MB\d{4}$", d.Code));
        var duplicates = descriptors.GroupBy(d => d.Code).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "Duplicate codes: " + string.Join(", ", duplicates));
    }

    [Fact]
    public void Docs_list_each_code_once()
    {
        var rows = DocumentedRowPattern().Matches(File.ReadAllText(Path.Combine(RepoRoot, "docs", "diagnostics.md")))
            .Select(m => m.Groups[1].Value)
            .ToList();
        var duplicates = rows.GroupBy(c => c).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "Codes documented twice: " + string.Join(", ", duplicates));
    }

    private static HashSet<string> DocumentedCodes() =>
        DocumentedRowPattern().Matches(File.ReadAllText(Path.Combine(RepoRoot, "docs", "diagnostics.md")))
            .Select(m => m.Groups[1].Value)
            .ToHashSet(StringComparer.Ordinal);
}
