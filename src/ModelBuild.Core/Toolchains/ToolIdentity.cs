using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// What goes into an action key and <c>buildinfo.json</c> for one tool: its name, where it is, the
/// version it prints and the SHA-256 of its file. For a script launcher (mo, pot, hailo are Python
/// entry points) the digest identifies the launcher only, which is why the printed version counts too.
/// </summary>
public sealed record ToolIdentity(string Name, string Path, string Version, string Sha256)
{
    /// <summary>The identity as a JSON object, for buildinfo and canonical options.</summary>
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["path"] = Path,
        ["version"] = Version,
        ["sha256"] = Sha256,
    };
}

/// <summary>
/// Finds out a tool's identity by running its version probe and hashing its file. Results are kept per
/// file (path, size, write time) for the life of the process, so a build with many models asks once.
/// </summary>
public sealed class ToolIdentifier
{
    /// <summary>The text recorded when a tool prints nothing for its version probe.</summary>
    public const string UnknownVersion = "unknown";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMinutes(2);
    private readonly ConcurrentDictionary<(string Path, long Size, DateTime Written), ToolIdentity> _known = new();

    /// <summary>Runs <paramref name="tool"/>'s version probe (its exit code does not matter) and hashes its file.</summary>
    /// <param name="tool">The tool.</param>
    /// <param name="log">Receives the probe's command and output.</param>
    /// <param name="workingDirectory">Where the probe runs.</param>
    /// <param name="cancellationToken">Stops the probe.</param>
    public async Task<ToolIdentity> IdentifyAsync(
        LocatedTool tool,
        ToolLog log,
        string workingDirectory,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var file = new FileInfo(ResolveLinks(tool.Path));
        var key = (tool.Path, file.Length, file.LastWriteTimeUtc);
        if (_known.TryGetValue(key, out var known))
        {
            return known;
        }

        var runner = new ToolProcessRunner(log, ProbeTimeout);
        var probe = await runner.RunUncheckedAsync(
            new ToolInvocation(tool, tool.Requirement.VersionArguments, workingDirectory),
            cancellationToken).ConfigureAwait(false);
        var lines = probe.FirstLines.Select(l => l.Trim()).Where(l => l.Length > 0).Take(tool.Requirement.VersionLines).ToList();
        var version = lines.Count == 0 ? UnknownVersion : string.Join("; ", lines);
        var identity = new ToolIdentity(
            tool.Name,
            tool.Path,
            version,
            await HashAsync(file.FullName, cancellationToken).ConfigureAwait(false));
        _known[key] = identity;
        return identity;
    }

    private static string ResolveLinks(string path) =>
        File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }
}
