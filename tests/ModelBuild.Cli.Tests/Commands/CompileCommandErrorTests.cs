using System.Text.RegularExpressions;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary>
/// What a user sees when something is wrong: exit code 1, one canonical line on standard error that
/// MSBuild and IDEs place on the right line, no stack trace, and the cache and outputs as they were.
/// </summary>
public sealed partial class CompileCommandErrorTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    public static TheoryData<string, string, int, int, string> Mistakes => new()
    {
        // manifest, code, line, column, a piece of the message
        { "input_model: tiny.onnx\ninputs:\n  - name: x\n    shape: [1, 3, 8, 8]\n   layout: NCHW\n", "MB1002", 5, 4, "YAML syntax error" },
        { "input_model: tiny.onnx\nshapes: [1, 3, 8, 8]\n", "MB1004", 2, 1, "Did you mean 'shape'?" },
        { "input_model: models/tiny.onnx\n", "MB2010", 1, 14, "Model file not found: " },
        {
            "input_model: tiny.onnx\nshape: [1, 3, 8]\n",
            "MB4051",
            2,
            8,
            "has shape [N, 3, 8, 8] in the model (rank 4), but the requested shape [1, 3, 8] has rank 3" },
        {
            "stages:\n  a:\n    input_model: tiny.onnx\n  b:\n    input_model: tiny.onnx\n    calibration: {stage: c, output: y}\n",
            "MB6031",
            6,
            26,
            "links to stage 'c', which is not an earlier stage of the manifest; stages calibrate on the outputs of stages listed before " +
                "them (a)" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Mistake_is_one_canonical_line_exit_code_1_and_changes_nothing(
        string manifest,
        string code,
        int line,
        int column,
        string text)
    {
        Assert.Equal(0, Compile().ExitCode);
        var before = _workspace.Snapshot();
        _workspace.WriteManifest(manifest);

        var result = Compile();

        Assert.True(result.ExitCode == 1, result.ToString());
        var error = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"{_workspace.ManifestPath}({line},{column}): error {code}: ", error, StringComparison.Ordinal);
        Assert.Contains(text, error, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput);
        result.AssertNoStackTrace();
        _workspace.Snapshot().AssertUnchangedSince(before);
    }

    [Fact]
    public void Missing_manifest_names_its_absolute_path()
    {
        var missing = Path.Combine(_workspace.ModelsFolder, "nothing-here.yaml");

        var result = EngineProcess.Run("compile", missing, "--output-dir", _workspace.OutputDir, "--cache-dir", _workspace.CacheDir);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"{missing}: error MB1001: Model manifest '{missing}' was not found.", Assert.Single(result.ErrorLines));
        result.AssertNoStackTrace();
        Assert.False(Directory.Exists(_workspace.OutputDir));
    }

    [Fact]
    public void Unsupported_target_and_precision_from_the_command_line_have_no_location()
    {
        var unknown = Compile("--target", "rvc9");
        var unsupported = Compile("--target", "rvc2", "--precision", "FP16-INT8");

        Assert.Equal((1, 1), (unknown.ExitCode, unsupported.ExitCode));
        Assert.StartsWith(
            "modelbuild: error MB6001: Unknown target 'rvc9'. Did you mean 'rvc2'? Known targets: onnx, ",
            Assert.Single(unknown.ErrorLines),
            StringComparison.Ordinal);
        Assert.StartsWith(
            "modelbuild: error MB6003: Target 'rvc2' does not support Precision FP16-INT8; it supports FP16, FP32 ",
            Assert.Single(unsupported.ErrorLines),
            StringComparison.Ordinal);
        unknown.AssertNoStackTrace();
        unsupported.AssertNoStackTrace();
        Assert.False(Directory.Exists(_workspace.OutputDir));
    }

    [Fact]
    public void Output_folder_that_is_a_file_is_MB6015_not_an_engine_fault()
    {
        var blocked = _workspace.WriteModelsFile("out", "a file"u8.ToArray());

        var result = EngineProcess.Run("compile", _workspace.ManifestPath, "--output-dir", blocked, "--cache-dir", _workspace.CacheDir);
        var retry = Compile();

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith(
            $"modelbuild: error MB6015: Cannot write the compiled model 'tiny' to '{blocked}': ",
            Assert.Single(result.ErrorLines),
            StringComparison.Ordinal);
        result.AssertNoStackTrace();
        Assert.Equal("a file", File.ReadAllText(blocked));

        // The compile itself succeeded and stays cached; only the copy into the folder failed.
        Assert.Contains("0 actions run, 2 from cache.", retry.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Neither_manifest_nor_request_is_MB9003()
    {
        var result = EngineProcess.Run("compile");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            "modelbuild: error MB9003: Give a manifest to compile, or --request with a request file.",
            Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Unreadable_request_file_is_an_engine_fault_MB9000_with_a_crash_log_and_exit_code_3()
    {
        var request = _workspace.WriteModelsFile("request.json", "{ \"projectFile\": "u8.ToArray());

        var result = EngineProcess.Run("compile", "--request", request);

        Assert.True(result.ExitCode == 3, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        var match = InternalErrorLine().Match(line);
        Assert.True(match.Success, line);
        Assert.Contains(request, line, StringComparison.Ordinal);
        var crashLog = match.Groups["log"].Value;
        try
        {
            // The stack trace goes to the file, for the bug report, and nowhere else.
            Assert.Contains("at ModelBuild.Cli.", File.ReadAllText(crashLog), StringComparison.Ordinal);
            result.AssertNoStackTrace();
        }
        finally
        {
            File.Delete(crashLog);
        }
    }

    private EngineResult Compile(params string[] options) =>
        EngineProcess.Run(
            ["compile", _workspace.ManifestPath, "--output-dir", _workspace.OutputDir, "--cache-dir", _workspace.CacheDir, .. options]);

    [GeneratedRegex(
        @"^modelbuild: error MB9000: Internal error in the ModelBuild engine: \w+: .+ Details: (?<log>\S+\.txt)\. Please report this\.$")]
    private static partial Regex InternalErrorLine();
}
