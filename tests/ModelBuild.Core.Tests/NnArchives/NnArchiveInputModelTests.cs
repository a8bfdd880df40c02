using ModelBuild.Core.Manifest;
using ModelBuild.Core.NnArchives;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Cache.Remote;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Core.Tests.NnArchives;

/// <summary>
/// A YAML manifest whose <c>input_model</c> is an NN Archive: the archive's config.json gives the settings, the manifest's keys
/// and overrides win; and our own NN Archive output read back by this input side.
/// </summary>
public sealed class NnArchiveInputModelTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private string ManifestPath => _folder.Combine("yolo.yaml");

    [Fact]
    public void Input_model_naming_an_archive_reads_its_config_and_the_manifest_keys_win()
    {
        var archive = NnArchiveFileTests.Tar(_folder, "tiny.tar.xz", "-cJf", NnArchiveFileTests.TinyConfig().ToJson());
        File.WriteAllText(ManifestPath, """
            input_model: tiny.tar.xz
            inputs:
              - name: x
                mean_values: [1, 2, 3]
            """);

        var loaded = ManifestLoader.Load(ManifestPath);

        Assert.True(loaded.Succeeded, string.Join("\n", loaded.Diagnostics));
        var stage = loaded.Manifest!.SingleStage!;
        Assert.Equal($"nnarchive:{archive}!tiny.onnx", stage.InputModel.Source.Value);
        Assert.Equal((ManifestPath, 1), (stage.InputModel.Source.Location.FilePath, stage.InputModel.Source.Location.Line));
        var input = Assert.Single(stage.Inputs);
        Assert.Equal([1L, 3, 8, 8], input.Shape!.Value);
        Assert.Equal([1.0, 2.0, 3.0], input.MeanValues!.Value.Values);
        Assert.Equal([2.0, 2.0, 2.0], input.ScaleValues!.Value.Values);
        Assert.Equal("RGB->RGB", input.Encoding?.Value.ToString());
        Assert.Equal("y", Assert.Single(stage.Outputs).Name.Value);
    }

    [Fact]
    public void Overrides_win_over_the_manifest_and_the_archive()
    {
        NnArchiveFileTests.Tar(_folder, "tiny.tar.gz", "-czf", NnArchiveFileTests.TinyConfig().ToJson());
        File.WriteAllText(ManifestPath, "input_model: tiny.tar.gz\ninputs:\n  - name: x\n    encoding: RGB\n");

        var loaded = ManifestLoader.Load(ManifestPath, ManifestOverrides.FromArguments(["inputs.0.encoding", "BGR"]));

        Assert.True(loaded.Succeeded, string.Join("\n", loaded.Diagnostics));
        Assert.Equal("BGR->BGR", Assert.Single(loaded.Manifest!.SingleStage!.Inputs).Encoding?.Value.ToString());
    }

    [Fact]
    public void A_remote_archive_is_MB2131_at_the_input_model_line()
    {
        File.WriteAllText(ManifestPath, "name: yolo\ninput_model: s3://bucket/yolo.tar.xz\n");

        var loaded = ManifestLoader.Load(ManifestPath);

        var error = Assert.Single(loaded.Diagnostics, d => d.IsError);
        Assert.Equal(("MB2131", 2), (error.Code, error.Location?.Line));
    }

    [Fact]
    public async Task Our_NN_Archive_output_compiles_back_through_input_model_to_the_same_model()
    {
        var model = _folder.Combine("tiny.onnx");
        File.WriteAllBytes(model, TinyConvNet.Bytes());
        var archive = _folder.Combine(NnArchiveWriter.FileName("tinyarchive", "rvc4"));
        NnArchiveWriter.Write(archive, NnArchiveFileTests.TinyConfig(), [model]);
        File.WriteAllText(ManifestPath, $"input_model: {Path.GetFileName(archive)}\n");
        using var workspace = new EngineWorkspace();

        var outcome = await workspace.CompileAsync(new ModelCompileRequest(ManifestPath, "yolo", "onnx", "FP32", null, null)
        {
            NameIsDefault = true,
        });

        Assert.True(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        var compiled = workspace.ReadCompiled(Assert.Single(outcome.Model!.Files));
        var image = TinyConvNet.SampleInput(batch: 1);
        Assert.Equal(TinyConvNet.Run(TinyConvNet.Bytes(), image, batch: 1), TinyConvNet.Run(compiled, image, batch: 1));
        Assert.Equal("tinyarchive", outcome.Model.Name);
        Assert.Contains(archive, outcome.Dependencies);
    }

    [Fact]
    public async Task An_archive_served_by_nginx_is_fetched_through_the_cache_and_compiles_like_the_file()
    {
        using var nginx = new WebDavServer();
        var model = _folder.Combine("tiny.onnx");
        File.WriteAllBytes(model, TinyConvNet.Bytes());
        var name = NnArchiveWriter.FileName("tinyarchive", "rvc4");
        NnArchiveWriter.Write(Path.Combine(nginx.StoreFolder, name), NnArchiveFileTests.TinyConfig(), [model]);
        File.WriteAllText(ManifestPath, $"input_model: {nginx.Address}/{name}\n");
        using var workspace = new EngineWorkspace();
        var request = new ModelCompileRequest(ManifestPath, "yolo", "onnx", "FP32", null, null) { NameIsDefault = true };

        var outcome = await workspace.CompileAsync(request);
        var again = await workspace.CompileAsync(request);

        Assert.True(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        Assert.True(again.Succeeded, string.Join("\n", again.Diagnostics));
        Assert.Equal("tinyarchive", outcome.Model!.Name);
        var compiled = workspace.ReadCompiled(Assert.Single(outcome.Model.Files));
        Assert.Equal(compiled, workspace.ReadCompiled(Assert.Single(again.Model!.Files)));
        var image = TinyConvNet.SampleInput(batch: 1);
        Assert.Equal(TinyConvNet.Run(TinyConvNet.Bytes(), image, batch: 1), TinyConvNet.Run(compiled, image, batch: 1));
        Assert.Contains(nginx.Requests(), r => r.StartsWith($"GET /cache/{name} 200", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_remote_archive_that_is_not_there_is_a_coded_error_at_the_input_model_line()
    {
        using var nginx = new WebDavServer();
        File.WriteAllText(ManifestPath, $"name: yolo\ninput_model: {nginx.Address}/missing.tar.xz\n");
        using var workspace = new EngineWorkspace();

        var outcome = await workspace.CompileAsync(new ModelCompileRequest(ManifestPath, "yolo", "onnx", "FP32", null, null));

        var error = Assert.Single(outcome.Diagnostics, d => d.IsError);
        Assert.StartsWith("MB2", error.Code, StringComparison.Ordinal);
        Assert.Equal((ManifestPath, 2), (error.Location?.FilePath, error.Location?.Line));
        Assert.Contains("missing.tar.xz", error.Message, StringComparison.Ordinal);
    }
}
