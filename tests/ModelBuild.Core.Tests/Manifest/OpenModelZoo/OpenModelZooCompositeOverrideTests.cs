using ModelBuild.Core.Manifest;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Manifest.OpenModelZoo;

/// <summary>
/// Overrides of an Open Model Zoo composite model address a stage as ModelConverter's do, <c>stages.&lt;stage folder&gt;.&lt;key&gt;</c>,
/// and apply to that stage's <c>model.yml</c> only; one that names no stage is MB1042 naming the stages.
/// </summary>
public sealed class OpenModelZooCompositeOverrideTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();

    public OpenModelZooCompositeOverrideTests()
    {
        Directory.CreateDirectory(Folder);
        File.WriteAllText(CompositePath, """
            description: A two-stage pipeline.
            task_type: classification
            framework: onnx
            stages_order:
              - pipe-encoder
              - pipe-encoder-head
            license: https://example.invalid/LICENSE
            """);
        WriteStage("pipe-encoder");
        WriteStage("pipe-encoder-head");
    }

    private string Folder => _root.Combine("pipe");

    private string CompositePath => Path.Combine(Folder, "composite-model.yml");

    public void Dispose() => _root.Dispose();

    [Fact]
    public void An_override_changes_the_stage_it_names_and_no_other()
    {
        var result = ManifestLoader.Load(
            CompositePath,
            ManifestOverrides.Parse("stages.pipe-encoder-head.input_info.0.shape=[4,3,8,8];stages.pipe-encoder.input_info.0.layout=NCHW"));

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var stages = result.Manifest!.Stages;
        Assert.Equal(["pipe-encoder", "pipe-encoder-head"], stages.Select(s => s.Name.Value));
        Assert.Equal([1L, 3, 8, 8], Assert.Single(stages[0].Inputs).Shape!.Value);
        Assert.Equal([4L, 3, 8, 8], Assert.Single(stages[1].Inputs).Shape!.Value);
    }

    [Fact]
    public void An_override_that_names_no_stage_is_MB1042_naming_the_stages()
    {
        var result = ManifestLoader.Load(CompositePath, ManifestOverrides.Parse("input_info.0.shape=[4,3,8,8]"));

        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal("MB1042", error.Code);
        Assert.Contains("'input_info.0.shape=[4,3,8,8]'", error.Message, StringComparison.Ordinal);
        Assert.Contains("pipe-encoder, pipe-encoder-head", error.Message, StringComparison.Ordinal);
        Assert.Null(result.Manifest);
    }

    [Fact]
    public void A_key_the_stage_cannot_take_is_MB1014_in_that_stage()
    {
        var result = ManifestLoader.Load(CompositePath, ManifestOverrides.Parse("stages.pipe-encoder.input_info.7.shape=[4,3,8,8]"));

        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal("MB1014", error.Code);
        Assert.Equal(Path.Combine(Folder, "pipe-encoder", "model.yml"), error.Location!.FilePath);
        Assert.Null(result.Manifest);
    }

    private void WriteStage(string name)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Folder, name)).FullName;
        File.WriteAllText(Path.Combine(folder, "model.yml"), """
            description: One stage.
            task_type: classification
            files:
              - name: tiny.onnx
                size: 100
                checksum: 000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
                source: https://example.invalid/tiny.onnx
            framework: onnx
            input_info:
              - name: x
                shape: [1, 3, 8, 8]
                layout: NCHW
            license: https://example.invalid/LICENSE
            """);
    }
}
