using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;

namespace ModelBuild.Core.Tests.Manifest;

/// <summary>Loads inline YAML under a fixed display path and picks out diagnostics.</summary>
internal static class ManifestTesting
{
    public const string YamlPath = "models/m.yaml";

    public static ManifestLoadResult Load(string yaml, string? overrides = null) =>
        ManifestLoader.LoadText(yaml, YamlPath, ManifestOverrides.Parse(overrides));

    /// <summary>The manifest of a load that must succeed; the message lists the diagnostics otherwise.</summary>
    public static ModelManifest LoadValid(string yaml, string? overrides = null)
    {
        var result = Load(yaml, overrides);
        Assert.True(result.Succeeded, "Unexpected errors:\n" + string.Join("\n", result.Diagnostics));
        return result.Manifest!;
    }

    /// <summary>The one diagnostic with <paramref name="code"/>; fails when there is none or several.</summary>
    public static Diagnostic Single(ManifestLoadResult result, string code)
    {
        var matches = result.Diagnostics.Where(d => d.Code == code).ToList();
        Assert.True(matches.Count == 1, $"Expected one {code}, got:\n" + string.Join("\n", result.Diagnostics));
        return matches[0];
    }

    public static SourceLocation At(int line, int column) => new(YamlPath, line, column);
}
