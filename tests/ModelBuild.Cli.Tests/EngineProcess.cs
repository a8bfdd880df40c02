using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ModelBuild.Cli.Tests;

/// <summary>What one run of the engine did: its exit code and its two streams, kept apart.</summary>
internal sealed partial record EngineResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string[] ErrorLines => StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Fails unless neither stream shows a stack frame or an unhandled exception.</summary>
    public void AssertNoStackTrace()
    {
        foreach (var (name, text) in new[] { ("stdout", StandardOutput), ("stderr", StandardError) })
        {
            Assert.False(StackFrame().IsMatch(text), $"A stack trace on {name}:\n{text}");
            Assert.DoesNotContain("Unhandled exception", text, StringComparison.Ordinal);
        }
    }

    public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{StandardOutput}--- stderr\n{StandardError}";

    [GeneratedRegex(@"^\s*at \S+\(.*\)", RegexOptions.Multiline)]
    private static partial Regex StackFrame();
}

/// <summary>
/// Runs the real engine, <c>dotnet exec modelbuild.dll</c>, from this test's own output folder (the test
/// project references the engine project, so its build puts the engine there).
/// </summary>
internal static class EngineProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static string EnginePath { get; } = FindEngine();

    public static EngineResult Run(params string[] arguments) => RunAsync(arguments).GetAwaiter().GetResult();

    /// <summary>Runs the engine with <paramref name="environment"/> added to its environment.</summary>
    public static EngineResult Run(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        RunAsync(arguments, environment).GetAwaiter().GetResult();

    /// <summary>
    /// Starts the engine at once and completes when it exits. <paramref name="shellSetup"/>, when given, is run
    /// by bash just before it execs the engine (<c>ulimit -f 100</c>), so the engine inherits what it sets.
    /// </summary>
    public static async Task<EngineResult> RunAsync(
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? shellSetup = null)
    {
        var start = new ProcessStartInfo(shellSetup is null ? DotnetHost() : "bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (shellSetup is not null)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(shellSetup + "; exec \"$0\" \"$@\"");
            start.ArgumentList.Add(DotnetHost());
        }

        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(EnginePath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The engine must take its cache from the command line, never from the machine running the tests.
        start.Environment.Remove("MODELBUILD_CACHE");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"modelbuild {string.Join(' ', arguments)} did not finish within {Timeout}.");
        }

        return new EngineResult(process.ExitCode, Normalize(await output), Normalize(await error));
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static string FindEngine()
    {
        var engine = Path.Combine(AppContext.BaseDirectory, "modelbuild.dll");
        Assert.True(File.Exists(engine), $"The engine is not beside the tests: {engine}");
        Assert.True(
            File.Exists(Path.ChangeExtension(engine, ".runtimeconfig.json")),
            $"The engine's runtimeconfig.json is not beside {engine}.");
        return engine;
    }

    /// <summary>The dotnet host running these tests (the test host sets DOTNET_HOST_PATH), else dotnet on the PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}

