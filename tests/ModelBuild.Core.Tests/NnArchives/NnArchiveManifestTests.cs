using ModelBuild.Core.Manifest;
using ModelBuild.Core.NnArchives;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Core.Tests.NnArchives;

/// <summary>An NN Archive where a manifest is expected, as ModelConverter takes one: its config.json is the manifest.</summary>
public sealed class NnArchiveManifestTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_archive_config_becomes_the_manifest_name_model_inputs_and_outputs()
    {
        var archive = NnArchiveFileTests.Tar(_folder, "tiny.tar.xz", "-cJf", NnArchiveFileTests.TinyConfig().ToJson());

        var loaded = ManifestLoader.Load(archive);

        Assert.True(loaded.Succeeded, string.Join("\n", loaded.Diagnostics));
        var manifest = loaded.Manifest!;
        Assert.Equal("tinyarchive", manifest.Name.Value);
        Assert.Equal(archive, manifest.FilePath);
        var stage = manifest.SingleStage!;
        Assert.Equal($"nnarchive:{archive}!tiny.onnx", stage.InputModel.Source.Value);
        Assert.Equal(ModelFileFormat.Onnx, stage.InputModel.Format);
        var input = Assert.Single(stage.Inputs);
        Assert.Equal("x", input.Name.Value);
        Assert.Equal([1L, 3, 8, 8], input.Shape!.Value);
        Assert.Equal("RGB->RGB", input.Encoding?.Value.ToString());
        Assert.Equal([0.5, 0.5, 0.5], input.MeanValues!.Value.Values);
        Assert.Equal([2.0, 2.0, 2.0], input.ScaleValues!.Value.Values);
        Assert.Equal("y", Assert.Single(stage.Outputs).Name.Value);
    }

    [Fact]
    public void Overrides_change_what_the_archive_says()
    {
        var archive = NnArchiveFileTests.Tar(_folder, "tiny.tar.gz", "-czf", NnArchiveFileTests.TinyConfig().ToJson());

        var loaded = ManifestLoader.Load(archive, ManifestOverrides.Parse("inputs.0.encoding=BGR"));

        Assert.True(loaded.Succeeded, string.Join("\n", loaded.Diagnostics));
        Assert.Equal("BGR->BGR", Assert.Single(loaded.Manifest!.SingleStage!.Inputs).Encoding?.Value.ToString());
    }

    [Fact]
    public void A_broken_archive_is_a_load_diagnostic_not_an_exception()
    {
        var archive = _folder.Combine("broken.tar.xz");
        File.WriteAllBytes(archive, [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 1, 2, 3]);

        var loaded = ManifestLoader.Load(archive);

        Assert.False(loaded.Succeeded);
        Assert.Equal("MB2080", Assert.Single(loaded.Diagnostics).Code);
    }

    [Fact]
    public async Task An_archive_compiles_like_the_manifest_it_stands_for_and_lists_itself_as_the_input()
    {
        using var workspace = new EngineWorkspace();
        var archive = NnArchiveFileTests.Tar(_folder, "tiny.tar.xz", "-cJf", NnArchiveFileTests.TinyConfig().ToJson());

        var outcome = await workspace.CompileAsync(new ModelCompileRequest(archive, "tinyarchive", "onnx", "FP32", null, null));

        Assert.True(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        var compiled = workspace.ReadCompiled(Assert.Single(outcome.Model!.Files));
        var image = TinyConvNet.SampleInput(batch: 1);
        Assert.Equal(TinyConvNet.Run(TinyConvNet.Bytes(), image, batch: 1), TinyConvNet.Run(compiled, image, batch: 1));
        Assert.Contains(archive, outcome.Dependencies);
    }

    [Fact]
    public void A_head_with_a_postprocessor_makes_the_archive_two_stages_as_ModelConverter_reads_it()
    {
        var config = NnArchiveFileTests.TinyConfig() with { Heads = [new NnArchiveHead("ClassificationParser", "post.onnx")] };
        var archive = NnArchiveFileTests.Tar(_folder, "two.tar.xz", "-cJf", config.ToJson());

        var loaded = ManifestLoader.Load(archive);

        Assert.True(loaded.Succeeded, string.Join("\n", loaded.Diagnostics));
        var manifest = loaded.Manifest!;
        Assert.Equal("tinyarchive", manifest.Name.Value);
        Assert.Equal(["tinyarchive", "post"], manifest.Stages.Select(s => s.Name.Value));
        Assert.Equal($"nnarchive:{archive}!tiny.onnx", manifest.Stages[0].InputModel.Source.Value);
        Assert.Equal([1L, 3, 8, 8], Assert.Single(manifest.Stages[0].Inputs).Shape!.Value);
        Assert.Equal($"nnarchive:{archive}!post.onnx", manifest.Stages[1].InputModel.Source.Value);
        Assert.Equal("NONE->NONE", manifest.Stages[1].Defaults.Encoding?.Value.ToString());
    }

    [Fact]
    public void Heads_round_trip_through_config_json()
    {
        var config = NnArchiveFileTests.TinyConfig() with
        {
            Heads = [new NnArchiveHead("YOLO", "post.onnx"), new NnArchiveHead("SSD", null)],
        };

        var read = NnArchiveConfig.Parse(config.ToJson());

        Assert.Equal(config.Heads, read.Heads);
        Assert.Equal(config.ToJson(), read.ToJson());
    }

    [Fact]
    public async Task A_two_stage_archive_compiles_both_models_with_overrides_addressing_the_postprocessor_stage()
    {
        using var workspace = new EngineWorkspace();
        var content = _folder.Combine("content");
        Directory.CreateDirectory(content);
        File.WriteAllBytes(Path.Combine(content, "tiny.onnx"), TinyConvNet.Bytes());
        File.WriteAllBytes(Path.Combine(content, "post.onnx"), ModelBuild.Core.Onnx.OnnxModelFile.Write(MultiStageCompileTests.Head()));
        var archive = _folder.Combine("two.tar.gz");
        NnArchiveWriter.Write(
            archive,
            NnArchiveFileTests.TinyConfig() with { Heads = [new NnArchiveHead("ClassificationParser", "post.onnx")] },
            [Path.Combine(content, "tiny.onnx"), Path.Combine(content, "post.onnx")]);

        var outcome = await workspace.CompileAsync(new ModelCompileRequest(archive, "two", "onnx", "FP32", null, null)
        {
            Overrides = ManifestOverrides.Parse("stages.post.shape=[1,2,8,8]"),
        });

        Assert.True(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        Assert.Equal(["tinyarchive", "post"], outcome.Model!.Stages.Select(s => s.Stage));
        Assert.Equal(["two.tinyarchive.onnx", "two.post.onnx"], outcome.Model.Files.Select(f => f.FileName));
        Assert.Equal([1L, 2, 8, 8], Assert.Single(outcome.Model.Stages[1].Inputs).Shape);
        Assert.Equal("scores", Assert.Single(outcome.Model.Stages[1].Outputs).Name);
    }
}
