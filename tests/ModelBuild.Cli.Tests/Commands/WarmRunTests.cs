using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Protocol;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary>
/// A cache hit costs a lookup: an engine run whose every action is in the cache, from the command line and from a
/// project's request as the MSBuild task sends it, loads neither ONNX Runtime (managed or native) nor the protobuf
/// library that parses ONNX models. A startup hook (<see cref="StartupHook"/>) lists what the process loaded.
/// </summary>
public sealed class WarmRunTests : IDisposable
{
    private const string RuntimeAssembly = "assembly Microsoft.ML.OnnxRuntime";
    private const string RuntimeLibrary = "library libonnxruntime.so";
    private const string ParserAssembly = "assembly Google.Protobuf";

    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Theory]
    [InlineData("FP32", 2)]
    [InlineData("FP16", 3)]
    public void Warm_compile_loads_neither_onnx_runtime_nor_the_model_parser(string precision, int actions)
    {
        string[] arguments =
        [
            "compile", _workspace.ManifestPath, "--precision", precision,
            "--output-dir", _workspace.OutputDir, "--cache-dir", _workspace.CacheDir,
        ];
        var (cold, coldLoaded) = RunReporting("cold", arguments);
        Assert.True(cold.ExitCode == 0, cold.ToString());

        var (warm, warmLoaded) = RunReporting("warm", arguments);

        Assert.True(warm.ExitCode == 0, warm.ToString());
        Assert.Contains($"0 actions run, {actions} from cache.", warm.StandardOutput, StringComparison.Ordinal);
        // The cold run shows the report sees ONNX Runtime and the parser when they are used.
        coldLoaded.AssertLoaded(RuntimeAssembly);
        coldLoaded.AssertLoaded(RuntimeLibrary);
        coldLoaded.AssertLoaded(ParserAssembly);
        warmLoaded.AssertNotLoaded(RuntimeAssembly);
        warmLoaded.AssertNotLoaded(RuntimeLibrary);
        warmLoaded.AssertNotLoaded(ParserAssembly);
    }

    [Fact]
    public void Warm_project_request_loads_neither_onnx_runtime_nor_the_model_parser()
    {
        var requestPath = Path.Combine(_workspace.Root, "obj", "ModelBuild", EngineFiles.Request);
        Directory.CreateDirectory(Path.GetDirectoryName(requestPath)!);
        var request = new CompileRequest(
            Path.Combine(_workspace.Root, "App.csproj"),
            _workspace.CacheDir,
            CacheSalt: null,
            new AccessorRequest(Path.Combine(_workspace.Root, "obj", "ModelBuild", "Models.g.cs"), "App.Ml", "Models", Public: true),
            [new ModelRequest(
                _workspace.ManifestPath, "tiny", "onnx", "FP32", LogicalName: null, "App.Models.", _workspace.OutputDir, Stale: true)]);
        File.WriteAllText(requestPath, EngineJson.Write(request));
        var (cold, _) = RunReporting("cold", ["compile", "--request", requestPath]);
        Assert.True(cold.ExitCode == 0, cold.ToString());
        Directory.Delete(_workspace.OutputDir, recursive: true);

        var (warm, warmLoaded) = RunReporting("warm", ["compile", "--request", requestPath]);

        Assert.True(warm.ExitCode == 0, warm.ToString());
        Assert.True(File.Exists(Path.Combine(_workspace.OutputDir, "tiny.onnx")), warm.ToString());
        warmLoaded.AssertNotLoaded(RuntimeAssembly);
        warmLoaded.AssertNotLoaded(RuntimeLibrary);
        warmLoaded.AssertNotLoaded(ParserAssembly);
    }

    /// <summary>Runs the engine with the startup hook; returns its result and what it loaded.</summary>
    private (EngineResult Result, LoadReport Loaded) RunReporting(string name, string[] arguments)
    {
        var report = Path.Combine(_workspace.Root, name + "-loaded.txt");
        var result = EngineProcess.Run(
            new Dictionary<string, string>
            {
                ["DOTNET_STARTUP_HOOKS"] = typeof(StartupHook).Assembly.Location,
                [StartupHook.ReportVariable] = report,
            },
            arguments);
        Assert.True(File.Exists(report), $"The startup hook wrote no report.\n{result}");
        var lines = File.ReadAllLines(report);
        var stacks = Array.IndexOf(lines, StartupHook.StacksMarker);
        return (result, new LoadReport(lines[..stacks], string.Join('\n', lines[(stacks + 1)..])));
    }
}

/// <summary>What an engine process loaded (lines <c>assembly X</c> and <c>library x.so</c>) and the stacks that loaded each assembly.</summary>
internal sealed record LoadReport(string[] Loaded, string Stacks)
{
    public void AssertLoaded(string item) => Assert.True(Loaded.Contains(item), $"Not loaded: {item}");

    public void AssertNotLoaded(string item) => Assert.False(Loaded.Contains(item), $"Loaded: {item}\n{Stacks}");
}
