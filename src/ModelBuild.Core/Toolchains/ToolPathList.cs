namespace ModelBuild.Core.Toolchains;

/// <summary>
/// Explicit tool paths as users write them: <c>name=path</c> entries (<c>--tool</c> options, or the
/// <c>ModelBuildToolchainPaths</c> property's <c>;</c>-separated list), each name one of <see cref="VendorTools.All"/> or <see cref="OnnxConverterTools.All"/>.
/// </summary>
public static class ToolPathList
{
    /// <summary>Tool name → full path (relative paths are relative to <paramref name="baseDirectory"/>); MB6117 for a malformed entry or an
    /// unknown tool.</summary>
    public static Dictionary<string, string> Parse(IEnumerable<string> entries, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries.Select(e => e.Trim()).Where(e => e.Length > 0))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? entry[..equals].Trim() : string.Empty;
            if (equals <= 0 || equals == entry.Length - 1 || !VendorTools.All.Concat(OnnxConverterTools.All).Any(t => t.Name == name))
            {
                throw new Diagnostics.DiagnosticException(ToolchainDiagnostics.ToolOverrideMalformed.Create(null, entry));
            }

            paths[name] = Path.GetFullPath(entry[(equals + 1)..].Trim(), baseDirectory);
        }

        return paths;
    }

    /// <summary>Parses a <c>;</c>-separated list (the MSBuild property).</summary>
    public static Dictionary<string, string> Parse(string? list, string baseDirectory) =>
        Parse((list ?? string.Empty).Split(';'), baseDirectory);
}
