using ModelBuild.Core.Cache;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Protocol;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary><c>modelbuild compile &lt;manifest&gt;</c> run as a program, on a model the test builds.</summary>
public sealed class CompileCommandTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string CompiledPath => Path.Combine(_workspace.OutputDir, "tiny.onnx");

    [Fact]
    public void Compile_writes_a_fixed_shape_model_that_runs_like_the_original()
    {
        var result = Compile();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.StandardError);
        // A cold compile prints each check's numbers first; the summary line comes last.
        Assert.EndsWith("ModelBuild: tiny -> onnx FP32: 2 actions run, 0 from cache.\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(["buildinfo.json", "deps.txt", "model.json", "tiny.onnx"], FolderSnapshot.Of(_workspace.OutputDir).Paths);
        var compiled = File.ReadAllBytes(CompiledPath);
        var input = OnnxModelSignature.FromModel(OnnxModelFile.Read(CompiledPath)).FindInput(TinyConvNet.InputName);
        Assert.Equal(OnnxShape.Of(1, 3, 8, 8), input!.Shape);
        var image = TinyConvNet.SampleInput(batch: 1);
        var expected = TinyConvNet.Run(_workspace.ModelBytes, image, batch: 1);
        Assert.Equal(expected, TinyConvNet.Run(compiled, image, batch: 1));
        Assert.Contains(expected, v => v > 0f);
    }

    [Fact]
    public void Model_json_and_deps_txt_describe_the_compiled_model_and_what_it_read()
    {
        Assert.Equal(0, Compile().ExitCode);

        var result = EngineJson.ReadResult(Path.Combine(_workspace.OutputDir, EngineFiles.Result));
        Assert.Equal(("tiny", _workspace.ManifestPath, "onnx", "FP32"), (result.Name, result.Manifest, result.Target, result.Precision));
        var file = Assert.Single(result.Outputs);
        Assert.Equal(("tiny.onnx", "tiny.onnx"), (file.File, file.LogicalName));
        Assert.Equal(Sha256Digest.ComputeFile(CompiledPath).Hex, file.Sha256);
        Assert.Equal(new FileInfo(CompiledPath).Length, file.Size);
        var input = Assert.Single(result.Inputs);
        Assert.Equal(("x", "float32", "NCHW"), (input.Name, input.ElementType, input.Layout));
        Assert.Equal([1L, 3, 8, 8], input.Shape);
        var output = Assert.Single(result.OutputTensors);
        Assert.Equal(("y", "float32"), (output.Name, output.ElementType));
        Assert.Equal([-1L, 2, 8, 8], output.Shape);

        var deps = File.ReadAllText(Path.Combine(_workspace.OutputDir, EngineFiles.Dependencies));
        Assert.Equal($"{_workspace.ManifestPath}\n{_workspace.ModelPath}\n", deps);
    }

    [Fact]
    public void Warm_cache_runs_no_action_and_leaves_the_outputs_as_they_were()
    {
        Assert.Equal(0, Compile().ExitCode);
        var before = _workspace.Snapshot();
        var modelWritten = File.GetLastWriteTimeUtc(CompiledPath);

        var second = Compile();

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal("ModelBuild: tiny -> onnx FP32: 0 actions run, 2 from cache.\n", second.StandardOutput);
        _workspace.Snapshot().AssertUnchangedSince(before);

        // An unchanged model file is not rewritten, so nothing downstream sees a newer time stamp.
        Assert.Equal(modelWritten, File.GetLastWriteTimeUtc(CompiledPath));
    }

    [Fact]
    public void Deleted_output_folder_comes_back_from_the_cache_without_running_actions()
    {
        Assert.Equal(0, Compile().ExitCode);
        var before = _workspace.Snapshot();
        Directory.Delete(_workspace.OutputDir, recursive: true);

        var again = Compile();

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("0 actions run, 2 from cache.", again.StandardOutput, StringComparison.Ordinal);
        _workspace.Snapshot().AssertUnchangedSince(before);
    }

    [Fact]
    public void Salt_and_shape_changes_rerun_exactly_the_actions_they_affect()
    {
        Assert.Equal(0, Compile().ExitCode);

        var salted = Compile("--salt", "rebuild-1");
        _workspace.WriteManifest("input_model: tiny.onnx\nshape: [4, 3, 8, 8]\n");
        var reshaped = Compile("--salt", "rebuild-1");

        Assert.Contains("2 actions run, 0 from cache.", salted.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("1 actions run, 1 from cache.", reshaped.StandardOutput, StringComparison.Ordinal);
        var images = TinyConvNet.SampleInput(batch: 4);
        Assert.Equal(
            TinyConvNet.Run(_workspace.ModelBytes, images, batch: 4),
            TinyConvNet.Run(File.ReadAllBytes(CompiledPath), images, batch: 4));
    }

    [Fact]
    public void Two_caches_give_byte_identical_output_folders()
    {
        var otherOutput = Path.Combine(_workspace.Root, "out-b", "tiny");

        Assert.Equal(0, Compile().ExitCode);
        var other = EngineProcess.Run(
            "compile",
            _workspace.ManifestPath,
            "--output-dir",
            otherOutput,
            "--cache-dir",
            Path.Combine(_workspace.Root, "cache-b"));

        Assert.True(other.ExitCode == 0, other.ToString());
        FolderSnapshot.Of(otherOutput).AssertUnchangedSince(FolderSnapshot.Of(_workspace.OutputDir));
    }

    private EngineResult Compile(params string[] options) =>
        EngineProcess.Run(
            ["compile", _workspace.ManifestPath, "--output-dir", _workspace.OutputDir, "--cache-dir", _workspace.CacheDir, .. options]);
}
