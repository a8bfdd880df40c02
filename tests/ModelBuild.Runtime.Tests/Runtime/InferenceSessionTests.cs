namespace ModelBuild.Runtime.Tests.Runtime;

public sealed class InferenceSessionTests
{
    [Fact]
    public void Relu_runs_on_float_tensors_from_bytes()
    {
        using var session = new InferenceSession(TestModels.Relu());
        float[] x = [-2f, -0.5f, 0f, 3.25f, 1f, -1f, 7f, -7f];

        var outputs = session.Run([new NamedTensor("x", Tensor.Create(x, [2, 4]))]);

        var y = Assert.Single(outputs);
        Assert.Equal("y", y.Name);
        Assert.Equal(TensorElementType.Float, y.Value.ElementType);
        Assert.Equal([2L, 4L], y.Value.Shape);
        Assert.Equal(x.Select(v => Math.Max(v, 0f)).ToArray(), y.Value.ToArray<float>());
    }

    [Fact]
    public void Session_from_a_file_path_runs_like_one_from_bytes()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "relu model ü.onnx");
        File.WriteAllBytes(path, TestModels.Relu());

        using var session = new InferenceSession(path);
        var outputs = session.Run([new NamedTensor("x", Tensor.Create(new float[] { -1, 2, -3, 4 }, [1, 4]))]);

        Assert.Equal([0f, 2f, 0f, 4f], outputs[0].Value.ToArray<float>());
    }

    [Fact]
    public void Metadata_reports_names_types_dynamic_dimensions_and_symbols()
    {
        using var session = new InferenceSession(TestModels.TwoInThreeOut());

        Assert.Equal(["a", "b"], session.Inputs.Select(i => i.Name));
        Assert.Equal(["sum", "shape", "cast"], session.Outputs.Select(o => o.Name));

        var a = session.Inputs[0];
        Assert.Equal(TensorElementType.Float, a.ElementType);
        Assert.Equal([-1L, 3L], a.Shape);
        Assert.Equal(["N", null], a.SymbolicShape);
        Assert.Equal(OnnxValueKind.Tensor, a.Kind);

        var b = session.Inputs[1];
        Assert.Equal(TensorElementType.Int64, b.ElementType);
        Assert.Equal([2L], b.Shape);
        Assert.Equal([null], b.SymbolicShape);

        Assert.Equal([TensorElementType.Float, TensorElementType.Int64, TensorElementType.Float], session.Outputs.Select(o => o.ElementType));
        Assert.Equal([-1L, 3L], session.Outputs[0].Shape);
        Assert.Equal("a: float32[N,3]", a.ToString());
    }
}
