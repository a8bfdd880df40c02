using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Protocol;

namespace ModelBuild.Cli.Tests.CacheSafety;

/// <summary>
/// Runs the engine on the workspace's model as the MSBuild task does (<c>compile --request</c>), with
/// a cache root, an output folder and optionally a remote cache; and reads its summary line.
/// </summary>
internal static partial class EngineRequests
{
    public static string WriteRequest(
        EngineWorkspace workspace,
        string cacheDir,
        string outputDir,
        string? remoteCache = null,
        bool readOnly = false)
    {
        var request = new CompileRequest(
            ProjectFile: string.Empty,
            CacheDir: cacheDir,
            CacheSalt: null,
            Accessor: null,
            Models: [new ModelRequest(workspace.ManifestPath, "tiny", "onnx", "FP32", null, string.Empty, outputDir, Stale: true)])
        {
            RemoteCache = remoteCache,
            RemoteCacheReadOnly = readOnly,
        };
        var path = Path.Combine(workspace.Root, $"request-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, EngineJson.Write(request));
        return path;
    }

    public static Task<EngineResult> CompileAsync(
        EngineWorkspace workspace,
        string cacheDir,
        string outputDir,
        string? remoteCache = null,
        bool readOnly = false,
        IReadOnlyDictionary<string, string>? environment = null) =>
        EngineProcess.RunAsync(["compile", "--request", WriteRequest(workspace, cacheDir, outputDir, remoteCache, readOnly)], environment);

    /// <summary>(actions run, actions from cache) from the engine's summary line for "tiny".</summary>
    public static (int Run, int Cached) Actions(EngineResult result)
    {
        var match = Summary().Match(result.StandardOutput);
        Assert.True(match.Success, result.ToString());
        return (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(
            match.Groups[2].Value,
            CultureInfo.InvariantCulture));
    }

    /// <summary>Starts the engine on a plain compile without waiting; the caller kills or awaits it.</summary>
    public static Process Start(params string[] arguments)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(EngineProcess.EnginePath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("MODELBUILD_CACHE");
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    [GeneratedRegex(@"tiny -> onnx FP32: (\d+) actions run, (\d+) from cache\.")]
    private static partial Regex Summary();
}
