using ModelBuild.Core.Onnx;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary>ModelConverter's <c>key value</c> overrides after the manifest, on <c>modelbuild convert</c> and <c>compile</c>.</summary>
public sealed class CommandLineOverrideTests : IDisposable
{
    // No shape: the model's batch stays open unless an override fixes it.
    private readonly EngineWorkspace _workspace = new("input_model: tiny.onnx\n");

    public void Dispose() => _workspace.Dispose();

    [Theory]
    [InlineData("convert")]
    [InlineData("compile")]
    public void Key_value_pairs_after_the_manifest_override_it(string command)
    {
        var result = EngineProcess.Run(
            command,
            _workspace.ManifestPath,
            "shape",
            "[1,3,8,8]",
            "--output-dir",
            _workspace.OutputDir,
            "--cache-dir",
            _workspace.CacheDir);

        Assert.True(result.ExitCode == 0, result.ToString());
        var model = OnnxModelFile.Read(Path.Combine(_workspace.OutputDir, "tiny.onnx"));
        Assert.Equal([1L, 3, 8, 8], model.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue));
    }

    [Fact]
    public void A_key_without_a_value_is_MB2130_naming_it_and_nothing_is_written()
    {
        var result = EngineProcess.Run(
            "convert", _workspace.ManifestPath, "shape", "[1,3,8,8]", "calibration.max_images", "--output-dir", _workspace.OutputDir);

        Assert.True(result.ExitCode == 1, result.ToString());
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains(
            "error MB2130: Override 'calibration.max_images' on the command line has no value",
            error,
            StringComparison.Ordinal);
        Assert.False(Directory.Exists(_workspace.OutputDir));
        result.AssertNoStackTrace();
    }

    [Fact]
    public void A_key_that_cannot_be_applied_is_MB1014_naming_the_override()
    {
        var result = EngineProcess.Run(
            "convert", _workspace.ManifestPath, "input_model.path", "a.onnx", "--output-dir", _workspace.OutputDir);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(result.ErrorLines, l => l.Contains("error MB1014: Override 'input_model.path=a.onnx'", StringComparison.Ordinal));
        result.AssertNoStackTrace();
    }
}
