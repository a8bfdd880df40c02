using System.Diagnostics;
using System.Security.Cryptography;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Tests.Toolchains;

public sealed class ToolProcessRunnerTests : IDisposable
{
    private readonly StandInTools _tools = new();
    private readonly TemporaryDirectory _folder = new();

    public void Dispose()
    {
        _tools.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Output_goes_to_the_log_and_arguments_pass_unchanged()
    {
        var tool = Locate("mo", "echo \"converting $2\"; echo 'a warning' >&2");
        using var log = new ToolLog(_folder.Combine("run.log"));
        var result = await new ToolProcessRunner(log, TimeSpan.FromMinutes(1)).RunAsync(
            new ToolInvocation(tool, ["--input", "x [1 3] 'q'", "--flag"], _folder.FullPath),
            CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["--input", "x [1 3] 'q'", "--flag"], _tools.Calls("mo")[0]);
        Assert.Equal(_folder.FullPath, _tools.WorkingDirectory("mo", 0));
        var text = File.ReadAllText(log.Path);
        Assert.Contains("$ mo --input 'x [1 3] '\\''q'\\''' --flag", text, StringComparison.Ordinal);
        Assert.Contains("converting x [1 3] 'q'", text, StringComparison.Ordinal);
        Assert.Contains("a warning", text, StringComparison.Ordinal);
        Assert.Contains("(exit code 0)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_tool_becomes_MB6103_with_its_last_lines()
    {
        var tool = Locate("snpe-dlc-quant", "i=1; while [ $i -le 30 ]; do echo \"progress line $i\"; i=$((i+1)); done; echo 'ERROR: " +
            "Layer conv1 has unsupported op Foo' >&2; exit 7");
        using var log = new ToolLog(_folder.Combine("run.log"));
        var error = await Assert.ThrowsAsync<DiagnosticException>(() =>
            new ToolProcessRunner(log, TimeSpan.FromMinutes(1)).RunAsync(
                new ToolInvocation(tool, [], _folder.FullPath),
                CancellationToken.None));

        Assert.Equal("MB6103", error.Diagnostic.Code);
        var message = error.Diagnostic.Message;
        Assert.StartsWith("snpe-dlc-quant failed with exit code 7", message, StringComparison.Ordinal);
        Assert.Contains("ERROR: Layer conv1 has unsupported op Foo", message, StringComparison.Ordinal);
        Assert.Contains("progress line 30", message, StringComparison.Ordinal);
        Assert.DoesNotContain("progress line 11 ", message + " ", StringComparison.Ordinal);
        Assert.Contains(log.Path, message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);

        // The full output stays in the log.
        Assert.Contains("progress line 1\n", File.ReadAllText(log.Path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tool_that_runs_too_long_is_stopped_with_its_children_and_reported_as_MB6104()
    {
        var pids = _folder.Combine("pids");
        var tool = Locate("compile_tool", $"echo 'compiling...'; sleep 600 & echo $! > '{pids}.child'; echo $$ > '{pids}.parent'; wait");
        using var log = new ToolLog(_folder.Combine("run.log"));
        var error = await Assert.ThrowsAsync<DiagnosticException>(() =>
            new ToolProcessRunner(log, TimeSpan.FromSeconds(3)).RunAsync(
                new ToolInvocation(tool, ["-m", "x.xml"], _folder.FullPath),
                CancellationToken.None));

        Assert.Equal("MB6104", error.Diagnostic.Code);
        Assert.Contains("did not finish within 3 s", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("compiling...", error.Diagnostic.Message, StringComparison.Ordinal);
        AssertGone(ReadPid(pids + ".parent"));
        AssertGone(ReadPid(pids + ".child"));
    }

    [Fact]
    public async Task Cancelling_kills_the_tool_and_the_processes_it_started()
    {
        var pids = _folder.Combine("pids");
        var tool = Locate("hailo", $"sleep 600 & echo $! > '{pids}.child'; echo $$ > '{pids}.parent'; wait");
        using var log = new ToolLog(_folder.Combine("run.log"));
        using var cancel = new CancellationTokenSource();
        var run = new ToolProcessRunner(log, TimeSpan.FromMinutes(10)).RunAsync(
            new ToolInvocation(tool, ["optimize"], _folder.FullPath),
            cancel.Token);
        var child = await WaitForPidAsync(pids + ".child");
        var parent = await WaitForPidAsync(pids + ".parent");
        Assert.True(IsRunning(child) && IsRunning(parent), "the stand-in and its child should be running before the cancel");

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        AssertGone(parent);
        AssertGone(child);
        Assert.Contains("(cancelled; hailo and its child processes were stopped)", File.ReadAllText(log.Path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_cannot_be_executed_is_MB6102()
    {
        var path = _folder.Combine("not-a-program");
        File.WriteAllText(path, "plain text");
        var tool = new LocatedTool(VendorTools.Hailo, path, ToolSource.Explicit);
        using var log = new ToolLog(_folder.Combine("run.log"));
        var error = await Assert.ThrowsAsync<DiagnosticException>(() =>
            new ToolProcessRunner(log, TimeSpan.FromMinutes(1)).RunAsync(
                new ToolInvocation(tool, [], _folder.FullPath),
                CancellationToken.None));

        Assert.Equal("MB6102", error.Diagnostic.Code);
        Assert.Contains(path, error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Identity_is_the_printed_version_and_the_files_digest()
    {
        var mo = Locate("mo", "exit 0", "Version of Model Optimizer is: 2022.3.0-9052-9752fafe8eb-releases/2022/3");
        var compileTool = Locate("compile_tool", "exit 0", "OpenVINO Runtime version ......... 2022.3.0\nBuild ........... " +
            "2022.3.0-9052-9752fafe8eb-releases/2022/3\nusage: compile_tool [OPTION]");
        using var log = new ToolLog(_folder.Combine("run.log"));
        var identifier = new ToolIdentifier();

        var moIdentity = await identifier.IdentifyAsync(mo, log, _folder.FullPath, CancellationToken.None);
        var compileIdentity = await identifier.IdentifyAsync(compileTool, log, _folder.FullPath, CancellationToken.None);

        Assert.Equal("Version of Model Optimizer is: 2022.3.0-9052-9752fafe8eb-releases/2022/3", moIdentity.Version);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(mo.Path))), moIdentity.Sha256);
        Assert.Equal(
            "OpenVINO Runtime version ......... 2022.3.0; Build ........... 2022.3.0-9052-9752fafe8eb-releases/2022/3",
            compileIdentity.Version);
        Assert.Empty(_tools.Calls("compile_tool"));
    }

    private LocatedTool Locate(string name, string body, string version = "1.0")
    {
        _tools.Add(name, body, version);
        return new ToolLocator(_tools.Paths, _ => null).Locate(VendorTools.All.First(t => t.Name == name), "rvc2");
    }

    private static int ReadPid(string path) => int.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<int> WaitForPidAsync(string path)
    {
        for (var i = 0; i < 600 && !(File.Exists(path) && File.ReadAllText(path).Trim().Length > 0); i++)
        {
            await Task.Delay(50);
        }

        return ReadPid(path);
    }

    /// <summary>Running and not a zombie: a killed process may linger as a zombie until its new parent reaps it.</summary>
    private static bool IsRunning(int pid)
    {
        var status = $"/proc/{pid}/status";
        if (!File.Exists(status))
        {
            return false;
        }

        try
        {
            return !File.ReadLines(status)
                .Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains("zombie", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void AssertGone(int pid)
    {
        // Kill is asynchronous in the kernel; give the signal time to land before judging.
        var watch = Stopwatch.StartNew();
        while (IsRunning(pid) && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(50);
        }

        Assert.False(IsRunning(pid), $"process {pid} is still running");
    }
}
