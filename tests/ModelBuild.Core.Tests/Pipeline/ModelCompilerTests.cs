using ModelBuild.Core.Onnx;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Targets;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Tests.Pipeline;

public sealed class ModelCompilerTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Manifest_shape_fixes_the_dynamic_batch_and_the_model_runs_like_the_original()
    {
        var outcome = await _workspace.CompileAsync();

        var model = AssertSucceeded(outcome);
        var file = Assert.Single(model.Files);
        Assert.Equal("tiny.onnx", file.FileName);
        var compiled = _workspace.ReadCompiled(file);
        var input = OnnxModelSignature.FromModel(OnnxModelFile.Read(compiled, "compiled")).FindInput(TinyConvNet.InputName);
        Assert.Equal(OnnxShape.Of(1, 3, 8, 8), input!.Shape);
        using (var session = new ModelSession(compiled))
        {
            Assert.Equal([1L, 3, 8, 8], Assert.Single(session.Inputs).Shape);
        }

        var image = TinyConvNet.SampleInput(batch: 1);
        var expected = TinyConvNet.Run(_workspace.ModelBytes, image, batch: 1);
        Assert.Equal(expected, TinyConvNet.Run(compiled, image, batch: 1));

        // Both Relu branches are taken, so equal outputs say something about the weights.
        Assert.Contains(expected, v => v > 0f);
        Assert.Contains(expected, v => v == 0f);
    }

    [Fact]
    public async Task Compiled_model_is_described_for_the_accessor_and_lists_what_it_read()
    {
        var outcome = await _workspace.CompileAsync();

        var model = AssertSucceeded(outcome);
        Assert.Equal("tiny", model.Name);
        Assert.Equal(_workspace.ManifestPath, model.ManifestPath);
        Assert.Equal(new TargetSelection(TargetCatalog.Onnx, Precision.FP32), model.Selection);
        var input = Assert.Single(model.Inputs);
        Assert.Equal(("x", "float32", "NCHW"), (input.Name, input.ElementType, input.Layout));
        Assert.Equal([1L, 3, 8, 8], input.Shape);
        Assert.Null(input.Mean);
        Assert.Null(input.Scale);
        var output = Assert.Single(model.Outputs);
        Assert.Equal(("y", "float32"), (output.Name, output.ElementType));
        Assert.Equal([-1L, 2, 8, 8], output.Shape);
        Assert.Equal([_workspace.ManifestPath, _workspace.ModelPath], outcome.Dependencies);
        Assert.Empty(outcome.Diagnostics);
    }

    [Fact]
    public async Task Per_input_settings_reach_the_model_and_its_description()
    {
        _workspace.WriteManifest("""
            input_model: tiny.onnx
            inputs:
              - name: x
                shape: [2, 3, 8, 8]
                layout: NCHW
                mean_values: [0.5, 1.5, 2.5]
                scale_values: 2
                encoding: BGR
            """);

        var outcome = await _workspace.CompileAsync();

        var model = AssertSucceeded(outcome);
        var input = Assert.Single(model.Inputs);
        Assert.Equal([2L, 3, 8, 8], input.Shape);
        Assert.Equal([0.5, 1.5, 2.5], input.Mean);
        Assert.Equal([2.0, 2.0, 2.0], input.Scale);
        Assert.Equal("BGR", input.Encoding);
        var compiled = _workspace.ReadCompiled(Assert.Single(model.Files));
        var images = TinyConvNet.SampleInput(batch: 2);
        Assert.Equal(TinyConvNet.Run(_workspace.ModelBytes, images, batch: 2), TinyConvNet.Run(compiled, images, batch: 2));
    }

    [Fact]
    public async Task Without_a_shape_the_model_keeps_its_dynamic_batch()
    {
        _workspace.WriteManifest("input_model: tiny.onnx\n");

        var outcome = await _workspace.CompileAsync();

        var model = AssertSucceeded(outcome);
        Assert.Equal([-1L, 3, 8, 8], Assert.Single(model.Inputs).Shape);
        var compiled = _workspace.ReadCompiled(Assert.Single(model.Files));
        var input = OnnxModelSignature.FromModel(OnnxModelFile.Read(compiled, "compiled")).FindInput(TinyConvNet.InputName);
        Assert.Equal(OnnxShape.Of(TinyConvNet.BatchDimension, 3, 8, 8), input!.Shape);
        var images = TinyConvNet.SampleInput(batch: 3);
        Assert.Equal(TinyConvNet.Run(_workspace.ModelBytes, images, batch: 3), TinyConvNet.Run(compiled, images, batch: 3));
    }

    [Fact]
    public async Task A_leading_zero_in_the_shape_is_batch_one_as_in_ModelConverter()
    {
        _workspace.WriteManifest("input_model: tiny.onnx\nshape: [0, 3, 8, 8]\n");

        var outcome = await _workspace.CompileAsync();

        Assert.Equal([1L, 3, 8, 8], Assert.Single(AssertSucceeded(outcome).Inputs).Shape);
    }

    internal static CompiledModel AssertSucceeded(ModelCompileOutcome outcome)
    {
        Assert.True(outcome.Succeeded, "The compile failed:\n" + string.Join("\n", outcome.Diagnostics));
        return outcome.Model!;
    }
}
