using ModelBuild.Core.Onnx;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Tensors;
using DataType = ModelBuild.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace ModelBuild.Cli.Tests.Commands;

public sealed class InferCommandTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();
    private readonly string _model;

    public InferCommandTests()
    {
        // Two inputs, two outputs: sum = a + b, product = a * b, with a dynamic batch.
        var model = new OnnxGraphBuilder("pair")
            .Input("a", DataType.Float, "N", 3)
            .Input("b", DataType.Float, "N", 3)
            .Node("Add", ["a", "b"], ["sum"])
            .Node("Mul", ["a", "b"], ["product"])
            .Output("sum", DataType.Float, "N", 3)
            .Output("product", DataType.Float, "N", 3)
            .Build();
        _model = _folder.Combine("pair.onnx");
        File.WriteAllBytes(_model, OnnxModelFile.Write(model));
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Runs_every_sample_from_npy_and_pb_inputs_into_npy_outputs_per_output_name()
    {
        WriteNpy("in/a/0.npy", [1, 2, 3]);
        WriteNpy("in/b/0.npy", [10, 20, 30]);
        WriteNpy("in/a/1.npy", [-1, 0.5f, 4]);
        WritePb("in/b/1.pb", [2, 2, 2]);

        var result = EngineProcess.Run("infer", _model, "--input-dir", _folder.Combine("in"), "--output-dir", _folder.Combine("out"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([11f, 22, 33], Read("out/sum/0.npy"));
        Assert.Equal([10f, 40, 90], Read("out/product/0.npy"));
        Assert.Equal([1f, 2.5f, 6], Read("out/sum/1.npy"));
        Assert.Equal([-2f, 1, 8], Read("out/product/1.npy"));
        Assert.Equal([1L, 3], NpyFile.Read(_folder.Combine("out/sum/1.npy")).Shape);
    }

    [Fact]
    public void Outputs_can_be_chosen()
    {
        WriteNpy("in/a/0.npy", [1, 2, 3]);
        WriteNpy("in/b/0.npy", [1, 1, 1]);

        var result = EngineProcess.Run(
            "infer",
            _model,
            "--input-dir",
            _folder.Combine("in"),
            "--output-dir",
            _folder.Combine("out"),
            "--outputs",
            "product");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([1f, 2, 3], Read("out/product/0.npy"));
        Assert.False(Directory.Exists(_folder.Combine("out/sum")));
    }

    [Fact]
    public void A_missing_input_folder_is_an_error_naming_the_folder()
    {
        WriteNpy("in/a/0.npy", [1, 2, 3]);

        var result = EngineProcess.Run("infer", _model, "--input-dir", _folder.Combine("in"), "--output-dir", _folder.Combine("out"));

        Assert.Equal(1, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.Equal($"modelbuild: error MB9011: No folder for input 'b': expected '{_folder.Combine("in", "b")}' holding <n>.npy or " +
            $"<n>.pb files, one per sample.", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Inputs_with_different_samples_are_an_error_listing_both()
    {
        WriteNpy("in/a/0.npy", [1, 2, 3]);
        WriteNpy("in/a/1.npy", [1, 2, 3]);
        WriteNpy("in/b/0.npy", [1, 2, 3]);

        var result = EngineProcess.Run("infer", _model, "--input-dir", _folder.Combine("in"), "--output-dir", _folder.Combine("out"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(
            "error MB9012: Input 'b' has samples [0] but input 'a' has [0, 1]",
            Assert.Single(result.ErrorLines),
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_names_the_sample_and_what_the_model_expects()
    {
        WriteNpy("in/a/7.npy", [1, 2, 3, 4], [1, 4]);
        WriteNpy("in/b/7.npy", [1, 2, 3, 4], [1, 4]);

        var result = EngineProcess.Run("infer", _model, "--input-dir", _folder.Combine("in"), "--output-dir", _folder.Combine("out"));

        Assert.Equal(1, result.ExitCode);
        result.AssertNoStackTrace();
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith(
            $"{_folder.Combine("in", "a", "7.npy")}: error MB9015: Sample '7' could not be run:",
            line,
            StringComparison.Ordinal);
        Assert.Contains("[N,3]", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.Combine("out")));
    }

    private void WriteNpy(string path, float[] values, long[]? shape = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_folder.Combine(path))!);
        NpyFile.Write(_folder.Combine(path), Tensor.Create(values, shape ?? [1, values.Length]));
    }

    private void WritePb(string path, float[] values)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_folder.Combine(path))!);
        File.WriteAllBytes(
            _folder.Combine(path),
            Google.Protobuf.MessageExtensions.ToByteArray(TensorProtoConversion.ToTensorProto(Tensor.Create(values, [1, values.Length]))));
    }

    private float[] Read(string path) => NpyFile.Read(_folder.Combine(path)).ToArray<float>();
}
