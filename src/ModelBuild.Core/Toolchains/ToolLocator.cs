using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Toolchains;

/// <summary>Where a tool was found.</summary>
public enum ToolSource
{
    /// <summary>An explicit path (an MSBuild property or <c>--tool name=path</c>).</summary>
    Explicit,

    /// <summary>The tool's <c>MODELBUILD_*</c> environment variable.</summary>
    EnvironmentVariable,

    /// <summary>A folder of <c>PATH</c>.</summary>
    SearchPath,
}

/// <summary>A tool that exists: its requirement, its full path and how it was found.</summary>
public sealed record LocatedTool(ToolRequirement Requirement, string Path, ToolSource Source)
{
    public string Name => Requirement.Name;
}

/// <summary>
/// Finds tools in this order: an explicit path, then the tool's environment variable, then <c>PATH</c>.
/// The first place that names the tool decides: an explicit path or variable that points nowhere is an
/// error rather than a silent fall-back to another copy of the tool.
/// </summary>
public sealed class ToolLocator
{
    private readonly IReadOnlyDictionary<string, string> _explicitPaths;
    private readonly Func<string, string?> _environment;

    /// <param name="explicitPaths">Tool name → path, from the project or the command line.</param>
    /// <param name="environment">Reads an environment variable; the process environment when null.</param>
    public ToolLocator(IReadOnlyDictionary<string, string>? explicitPaths = null, Func<string, string?>? environment = null)
    {
        _explicitPaths = explicitPaths ?? new Dictionary<string, string>();
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    /// <summary>The tool, or MB6101 naming <paramref name="target"/>, the places looked at and how to get it.</summary>
    public LocatedTool Locate(ToolRequirement tool, string target)
    {
        ArgumentNullException.ThrowIfNull(tool);
        if (_explicitPaths.TryGetValue(tool.Name, out var given))
        {
            return Existing(tool, given, ToolSource.Explicit)
                ?? throw NotFound(tool, target, $"the explicit path '{Path.GetFullPath(given)}' (no such file)");
        }

        if (_environment(tool.EnvironmentVariable) is { Length: > 0 } variable)
        {
            return Existing(tool, variable, ToolSource.EnvironmentVariable)
                ?? throw NotFound(tool, target, $"{tool.EnvironmentVariable}='{variable}' (no such file)");
        }

        var folders = (_environment("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var folder in folders)
        {
            foreach (var candidate in Candidates(folder, tool.Name))
            {
                if (IsExecutableFile(candidate))
                {
                    return new LocatedTool(tool, Path.GetFullPath(candidate), ToolSource.SearchPath);
                }
            }
        }

        throw NotFound(tool, target, $"{tool.EnvironmentVariable} (not set) and '{tool.Name}' in the {folders.Length} folders of PATH");
    }

    private static LocatedTool? Existing(ToolRequirement tool, string path, ToolSource source) =>
        File.Exists(path) ? new LocatedTool(tool, Path.GetFullPath(path), source) : null;

    private IEnumerable<string> Candidates(string folder, string name)
    {
        if (!OperatingSystem.IsWindows())
        {
            yield return Path.Combine(folder, name);
            yield break;
        }

        foreach (var extension in (_environment("PATHEXT") ?? ".COM;.EXE;.BAT;.CMD").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            yield return Path.Combine(folder, name + extension);
        }
    }

    private static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & anyExecute) != 0;
    }

    private static ToolNotFoundException NotFound(ToolRequirement tool, string target, string places) =>
        new(ToolchainDiagnostics.ToolNotFound.Create(null, target, tool.Name, tool.Purpose, places, tool.HowToGet), tool);
}

/// <summary>A tool the target needs is not found (MB6101); <see cref="Tool"/> says which.</summary>
public sealed class ToolNotFoundException(Diagnostic diagnostic, ToolRequirement tool) : DiagnosticException(diagnostic)
{
    /// <summary>The missing tool, with the environment variable that names it.</summary>
    public ToolRequirement Tool { get; } = tool;
}
