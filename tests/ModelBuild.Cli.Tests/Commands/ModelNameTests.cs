using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary>
/// A model's name becomes file, folder and resource names: <c>--name</c> and the manifest's <c>name:</c> must be
/// one safe file name, and nothing is written anywhere when they are not. The manifest's <c>name:</c> names the
/// outputs when <c>--name</c> does not.
/// </summary>
public sealed class ModelNameTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    public static TheoryData<string> UnsafeNames() =>
    [
        "../../escaped",
        "..",
        "a/b",
        "a\\b",
        "/tmp/rooted",
        "C:evil",
        "NUL",
        "com1",
        "con.model",
        "line\nbreak",
        "trailing.",
    ];

    [Theory]
    [MemberData(nameof(UnsafeNames))]
    public void An_unsafe_name_option_is_MB1031_and_nothing_is_written(string name)
    {
        var outside = Path.Combine(_workspace.Root, "escaped.onnx");

        var result = EngineProcess.Run(
            "compile",
            _workspace.ManifestPath,
            "--output-dir",
            _workspace.OutputDir,
            "--cache-dir",
            _workspace.CacheDir,
            "--name",
            name);

        Assert.True(result.ExitCode == 1, result.ToString());
        var error = Assert.Single(result.ErrorLines);
        Assert.StartsWith("modelbuild: error MB1031: --name '", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
        result.AssertNoStackTrace();
        Assert.False(Directory.Exists(_workspace.OutputDir));
        Assert.False(Directory.Exists(_workspace.CacheDir));
        Assert.False(File.Exists(outside));
    }

    [Fact]
    public void Convert_refuses_an_unsafe_name_option_too()
    {
        var result = EngineProcess.Run(
            "convert",
            _workspace.ManifestPath,
            "--output-dir",
            _workspace.OutputDir,
            "--cache-dir",
            _workspace.CacheDir,
            "--name",
            "../up");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith(
            "modelbuild: error MB1031: --name '../up' cannot be used as a model name: it holds a path separator",
            Assert.Single(result.ErrorLines),
            StringComparison.Ordinal);
        Assert.False(Directory.Exists(_workspace.OutputDir));
    }

    [Theory]
    [InlineData("name: ../../../pwned\ninput_model: tiny.onnx\nshape: [1, 3, 8, 8]\n", 1, 7, "path separator")]
    [InlineData("input_model: tiny.onnx\nname: \"bad\\tname\"\nshape: [1, 3, 8, 8]\n", 2, 7, "control character")]
    [InlineData("input_model: tiny.onnx\nname: AUX\nshape: [1, 3, 8, 8]\n", 2, 7, "reserved device name")]
    [InlineData("stages:\n  ok:\n    input_model: tiny.onnx\n  ..:\n    input_model: tiny.onnx\n", 4, 3, "names a folder")]
    public void An_unsafe_manifest_name_is_MB1030_at_its_line_and_nothing_is_written(string manifest, int line, int column, string reason)
    {
        _workspace.WriteManifest(manifest);

        var result = EngineProcess.Run(
            "compile",
            _workspace.ManifestPath,
            "--output-dir",
            _workspace.OutputDir,
            "--cache-dir",
            _workspace.CacheDir);

        Assert.True(result.ExitCode == 1, result.ToString());
        var error = Assert.Single(result.ErrorLines, l => l.Contains("MB1030", StringComparison.Ordinal));
        Assert.StartsWith($"{_workspace.ManifestPath}({line},{column}): error MB1030: The model name '", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        result.AssertNoStackTrace();
        Assert.False(Directory.Exists(_workspace.OutputDir));
        Assert.False(File.Exists(Path.Combine(_workspace.Root, "pwned.onnx")));
    }

    [Fact]
    public void The_manifest_name_names_the_outputs_unless_the_name_option_is_given()
    {
        _workspace.WriteManifest("name: classifier\ninput_model: tiny.onnx\nshape: [1, 3, 8, 8]\n");
        var byOption = Path.Combine(_workspace.Root, "by-option");

        var fromManifest = EngineProcess.Run(
            "compile",
            _workspace.ManifestPath,
            "--output-dir",
            _workspace.OutputDir,
            "--cache-dir",
            _workspace.CacheDir);
        var fromOption = EngineProcess.Run(
            "compile",
            _workspace.ManifestPath,
            "--output-dir",
            byOption,
            "--cache-dir",
            _workspace.CacheDir,
            "--name",
            "chosen");

        Assert.True(fromManifest.ExitCode == 0, fromManifest.ToString());
        Assert.True(fromOption.ExitCode == 0, fromOption.ToString());
        Assert.True(File.Exists(Path.Combine(_workspace.OutputDir, "classifier.onnx")));
        Assert.False(File.Exists(Path.Combine(_workspace.OutputDir, "tiny.onnx")));
        Assert.True(File.Exists(Path.Combine(byOption, "chosen.onnx")));
        Assert.False(File.Exists(Path.Combine(byOption, "classifier.onnx")));
    }
}
