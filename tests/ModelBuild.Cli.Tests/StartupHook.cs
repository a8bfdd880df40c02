using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

/// <summary>
/// A .NET startup hook (<c>DOTNET_STARTUP_HOOKS</c> naming this test assembly) that, when
/// <c>MODELBUILD_TEST_LOADED_REPORT</c> names a file, writes there at exit which assemblies and shared
/// libraries the engine process loaded, and the stack that first loaded each assembly: behaviour tests read
/// it to check what a run did not need, and show who loaded it when it did.
/// </summary>
[SuppressMessage("Design", "CA1050:Declare types in namespaces", Justification = "The runtime looks for the global StartupHook type.")]
internal static class StartupHook
{
    /// <summary>The environment variable naming the report file.</summary>
    public const string ReportVariable = "MODELBUILD_TEST_LOADED_REPORT";

    /// <summary>Marks the line after which the report holds the stacks that loaded each assembly.</summary>
    public const string StacksMarker = "--- stacks";

    private static readonly ConcurrentDictionary<string, string> Stacks = new(StringComparer.Ordinal);

    /// <summary>Called by the runtime before the engine's Main.</summary>
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(ReportVariable) is not { Length: > 0 } report)
        {
            return;
        }

        AppDomain.CurrentDomain.AssemblyLoad += (_, e) => Stacks.TryAdd(e.LoadedAssembly.GetName().Name ?? "", Environment.StackTrace);

        // Shared libraries from the process's memory map (Linux); elsewhere only assemblies are listed.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.WriteAllLines(report, [
            .. AppDomain.CurrentDomain.GetAssemblies().Select(a => "assembly " + a.GetName().Name),
            .. (File.Exists("/proc/self/maps") ? File.ReadLines("/proc/self/maps") : [])
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(fields => fields.Length >= 6 && fields[5].Contains(".so", StringComparison.Ordinal))
                .Select(fields => "library " + Path.GetFileName(fields[5]))
                .Distinct(StringComparer.Ordinal),
            StacksMarker,
            .. Stacks.Select(s => $"{s.Key} loaded by:\n{s.Value}"),
        ]);
    }
}
