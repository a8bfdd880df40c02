using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Core.Tests.Toolchains;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary><c>modelbuild compile --target rvc2 --via toolchain --tool …</c> run as a program, with stand-in vendor tools.</summary>
public sealed class CompileCommandVendorTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new(EngineWorkspace.DefaultManifest + "\nrvc2:\n  superblob: false\n");
    private readonly StandInTools _tools = new();

    public void Dispose()
    {
        _tools.Dispose();
        _workspace.Dispose();
    }

    [Fact]
    public void Compile_for_rvc2_runs_the_tools_named_by_tool_and_writes_the_blob_and_the_vendors_buildinfo()
    {
        _tools.AddOpenVino2022();

        var result = Compile(
            "--target",
            "rvc2",
            "--precision",
            "FP16",
            "--via",
            "toolchain",
            "--tool",
            $"mo={_tools.Paths["mo"]}",
            "--tool",
            $"compile_tool={_tools.Paths["compile_tool"]}");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            ["buildinfo.json", "deps.txt", "model.json", "tiny.blob", "tiny.vendor-buildinfo.json"],
            FolderSnapshot.Of(_workspace.OutputDir).Paths);
        Assert.StartsWith(
            "BLOB MYRIAD intermediate_outputs/tiny.xml",
            File.ReadAllText(Path.Combine(_workspace.OutputDir, "tiny.blob")),
            StringComparison.Ordinal);
        Assert.Contains("ModelBuild: tiny -> rvc2 FP16: 3 actions run, 0 from cache.", result.StandardOutput, StringComparison.Ordinal);
        Assert.Single(_tools.Calls("compile_tool"));
    }

    [Fact]
    public void A_malformed_tool_option_is_MB6117()
    {
        var result = Compile("--target", "rvc2", "--precision", "FP16", "--tool", "compile-tool=/opt/compile_tool");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(
            "modelbuild: error MB6117: Tool path 'compile-tool=/opt/compile_tool'",
            Assert.Single(result.ErrorLines),
            StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    private EngineResult Compile(params string[] options) =>
        EngineProcess.Run(
            ["compile", _workspace.ManifestPath, "--output-dir", _workspace.OutputDir, "--cache-dir", _workspace.CacheDir, .. options]);
}
