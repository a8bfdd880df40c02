using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// The work folder of one vendor compile: <c>intermediate_outputs/</c> for what the tools exchange,
/// <c>result/</c> for the outputs, and the log. Tools run with the work folder as their current folder
/// and get paths relative to it, so the recorded commands are the same on every machine.
/// </summary>
public sealed class VendorWorkspace : IDisposable
{
    /// <summary>The log file's name, in the work folder and in <c>result/</c>.</summary>
    public const string LogFileName = "modelbuild-vendor.log";

    private VendorWorkspace(string root, ToolLog log, TimeSpan timeout)
    {
        Root = root;
        Log = log;
        Runner = new ToolProcessRunner(log, timeout);
    }

    /// <summary>The work folder (full path).</summary>
    public string Root { get; }

    public ToolLog Log { get; }

    public ToolProcessRunner Runner { get; }

    /// <summary>Relative path of the folder the tools exchange files in.</summary>
    public static string Intermediate => "intermediate_outputs";

    /// <summary>Full path of the folder the outputs are collected in.</summary>
    public string ResultFolder => Path.Combine(Root, "result");

    /// <summary>Empties (or creates) the work folder and opens its log; MB6118 when the folder cannot be used.</summary>
    public static VendorWorkspace Create(string workDirectory, TimeSpan timeout, Action<string>? echo)
    {
        var root = Path.GetFullPath(workDirectory);
        try
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }

            Directory.CreateDirectory(Path.Combine(root, Intermediate));
            Directory.CreateDirectory(Path.Combine(root, "result"));
            return new VendorWorkspace(root, new ToolLog(Path.Combine(root, LogFileName), echo), timeout);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiagnosticException(ToolchainDiagnostics.WorkFolderUnusable.Create(null, root, e.Message), e);
        }
    }

    /// <summary>The full path of a path relative to the work folder.</summary>
    public string Full(string relative) => Path.GetFullPath(Path.Combine(Root, relative));

    /// <summary>Writes a text file (UTF-8, no BOM, '\n' line ends) at a path relative to the work folder.</summary>
    public void WriteText(string relative, string text)
    {
        var full = Full(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text.ReplaceLineEndings("\n"));
    }

    /// <summary>Runs a tool in the work folder.</summary>
    public Task<ToolRunResult> RunAsync(
        LocatedTool tool,
        IReadOnlyList<string> arguments,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string?>? environment = null) =>
        Runner.RunAsync(
            new ToolInvocation(tool, arguments, Root) { Environment = environment ?? new Dictionary<string, string?>() },
            cancellationToken);

    /// <summary>The full path of a file a tool should have written; MB6105 with the tool's last lines when it did not.</summary>
    public string Expect(string relative, LocatedTool writer, ToolRunResult run)
    {
        var full = Full(relative);
        return File.Exists(full)
            ? full
            : throw new DiagnosticException(ToolchainDiagnostics.ToolOutputMissing
                .Create(null, writer.Name, relative, Log.Path, ToolProcessRunner.FormatLines(run.LastLines)));
    }

    /// <summary>Copies a file into <c>result/</c> under <paramref name="name"/> and returns its full path.</summary>
    public string Collect(string source, string name)
    {
        var destination = Path.Combine(ResultFolder, name);
        File.Copy(source, destination, overwrite: true);
        return destination;
    }

    /// <summary>Copies the log into <c>result/</c> (after the last tool ran).</summary>
    public string CollectLog() => Collect(Log.Path, LogFileName);

    public void Dispose() => Log.Dispose();
}
