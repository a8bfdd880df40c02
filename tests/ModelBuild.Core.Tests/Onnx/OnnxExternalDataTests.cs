using Google.Protobuf;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Tensors;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;

namespace ModelBuild.Core.Tests.Onnx;

public sealed class OnnxExternalDataTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Written_with_external_data_the_model_reads_back_whole_and_runs_in_ONNX_Runtime()
    {
        var model = TinyConvNet.Build();
        var path = _folder.Combine("tiny.onnx");

        var dataPath = OnnxExternalData.WriteFiles(model, path, threshold: 64);

        Assert.Equal(_folder.Combine("tiny.onnx_data"), dataPath);
        var small = OnnxModelFile.Read(path);
        Assert.Equal(["tiny.onnx_data"], OnnxExternalData.Locations(small));
        Assert.True(OnnxExternalData.IsExternal(small.Graph.Initializer.Single(t => t.Name == "w1")));
        Assert.False(OnnxExternalData.IsExternal(small.Graph.Initializer.Single(t => t.Name == "b2")));
        // Without full_check: with it, onnx 1.12 writes the inferred shapes back into the file it checks.
        var (exitCode, complaint) = PythonOnnx.Run("import onnx, sys; onnx.checker.check_model(sys.argv[1])", path);
        Assert.True(exitCode == 0, complaint);

        var whole = OnnxModelFile.ReadWithExternalData(path);
        Assert.Equal(OnnxModelFile.Write(model), OnnxModelFile.Write(whole));

        var image = TinyConvNet.SampleInput(batch: 1);
        using var session = new ModelSession(path);
        var fromFiles = session.Run([new NamedTensor("x", Tensor.Create(image, [1, 3, 8, 8]))])[0].Value.ToArray<float>();
        Assert.Equal(TinyConvNet.Run(OnnxModelFile.Write(model), image, 1), fromFiles);
    }

    [Fact]
    public void Large_tensors_start_at_64_KiB_boundaries_and_writing_is_deterministic()
    {
        var model = new OnnxGraphBuilder("big")
            .Input("i", DataType.Int64, 1)
            .Initializer("small", OnnxTestData.Weights(300, seed: 1), 300)
            .Initializer("large", OnnxTestData.Weights(300_000, seed: 2), 300_000)
            .Node("Gather", ["large", "i"], ["y"])
            .Output("y", DataType.Float, 1)
            .Build();

        var (bytes, data) = Write(model);
        var (again, dataAgain) = Write(model);

        var written = OnnxModelFile.Read(bytes, "big");
        Assert.Equal("0", Entry(written, "small", "offset"));
        Assert.Equal("65536", Entry(written, "large", "offset"));
        Assert.Equal(65536 + (300_000 * 4), data.Length);
        Assert.Equal(bytes, again);
        Assert.Equal(data, dataAgain);
    }

    [Fact]
    public void A_location_outside_the_models_folder_is_MB4020()
    {
        var error = LoadFails(Externalize(TinyConvNet.Build(), "w1", "../secrets.bin", 0, 432));

        Assert.Equal("MB4020", error.Code);
        Assert.Contains("'../secrets.bin'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_data_file_is_MB4021()
    {
        var error = LoadFails(Externalize(TinyConvNet.Build(), "w1", "weights.bin", 0, 432));

        Assert.Equal("Tensor 'w1' of 'tiny.onnx' keeps its data in 'weights.bin', which is not beside the model.", error.Message);
    }

    [Fact]
    public void A_range_past_the_end_of_the_data_file_is_MB4022_and_a_wrong_length_MB4023()
    {
        File.WriteAllBytes(_folder.Combine("weights.bin"), new byte[500]);

        var pastEnd = LoadFails(Externalize(TinyConvNet.Build(), "w1", "weights.bin", 100, 432));
        var wrongLength = LoadFails(Externalize(TinyConvNet.Build(), "w1", "weights.bin", 0, 400));

        Assert.Equal("Tensor 'w1' of 'tiny.onnx' reads bytes 100 to 532 of 'weights.bin', which has 500 bytes.", pastEnd.Message);
        Assert.Equal(
            "Tensor 'w1' of 'tiny.onnx' has 400 bytes of external data, but its type and dimensions need 432.",
            wrongLength.Message);
    }

    /// <summary>
    /// A model of 2.2 GB: more than one protobuf file can hold. Its two weights are zeros with a marker at
    /// each end, so the data file is written as holes and reads back fast.
    /// </summary>
    [Fact]
    [Trait("Category", "Integration")]
    public void A_model_over_2_GiB_is_written_and_read_through_external_data()
    {
        const int Count = 290_000_000;
        ModelProto? model = new OnnxGraphBuilder("huge").Input("i", DataType.Int64, 2).Output("a", DataType.Float, 2)
            .Output("b", DataType.Float, 2)
            .BuildUnvalidated();
        foreach (var name in new[] { "wa", "wb" })
        {
            var bytes = new byte[Count * 4L];
            BitConverter.TryWriteBytes(bytes.AsSpan(0), name == "wa" ? 1.5f : -2.5f);
            BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 4), name == "wa" ? 7f : 9f);
            var tensor = new TensorProto { Name = name, DataType = (int)DataType.Float, RawData = UnsafeByteOperations.UnsafeWrap(bytes) };
            tensor.Dims.Add(Count);
            model.Graph.Initializer.Add(tensor);
        }

        model.Graph.Node.Add(new NodeProto { OpType = "Gather", Input = { "wa", "i" }, Output = { "a" } });
        model.Graph.Node.Add(new NodeProto { OpType = "Gather", Input = { "wb", "i" }, Output = { "b" } });
        Assert.Equal("MB4004", Assert.Throws<DiagnosticException>(() => OnnxModelFile.Write(model, Stream.Null)).Diagnostic.Code);

        var path = _folder.Combine("huge.onnx");
        var dataPath = OnnxExternalData.WriteFiles(model, path);
        model = null;
        GC.Collect();

        Assert.True(new FileInfo(dataPath).Length > int.MaxValue);
        Assert.True(new FileInfo(path).Length < 1024);
        ModelProto? read = OnnxModelFile.ReadWithExternalData(path);
        var wb = read.Graph.Initializer.Single(t => t.Name == "wb").RawData.Span;
        Assert.Equal(Count * 4L, wb.Length);
        Assert.Equal((-2.5f, 9f, 0f), (BitConverter.ToSingle(wb), BitConverter.ToSingle(wb[^4..]), BitConverter.ToSingle(wb[1000..])));
        read = null;
        GC.Collect();

        using var session = new ModelSession(path);
        var outputs = session.Run([new NamedTensor("i", Tensor.Create(new long[] { 0, Count - 1 }, [2]))]);
        Assert.Equal([1.5f, 7f], outputs[0].Value.ToArray<float>());
        Assert.Equal([-2.5f, 9f], outputs[1].Value.ToArray<float>());
    }

    private static (byte[] Model, byte[] Data) Write(ModelProto model)
    {
        using var modelStream = new MemoryStream();
        using var dataStream = new MemoryStream();
        OnnxExternalData.Write(model, modelStream, dataStream, "big.onnx_data");
        return (modelStream.ToArray(), dataStream.ToArray());
    }

    private static string? Entry(ModelProto model, string tensor, string key) =>
        model.Graph.Initializer.Single(t => t.Name == tensor).ExternalData.FirstOrDefault(e => e.Key == key)?.Value;

    private static ModelProto Externalize(ModelProto model, string tensorName, string location, long offset, long length)
    {
        var tensor = model.Graph.Initializer.Single(t => t.Name == tensorName);
        tensor.ClearRawData();
        tensor.DataLocation = DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData
            .Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tensor.ExternalData
            .Add(new StringStringEntryProto { Key = "length", Value = length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return model;
    }

    private Diagnostic LoadFails(ModelProto model)
    {
        var error = Assert.Throws<DiagnosticException>(() => OnnxExternalData.Load(model, _folder.FullPath, "tiny.onnx"));
        Assert.Equal(new SourceLocation("tiny.onnx"), error.Diagnostic.Location);
        return error.Diagnostic;
    }
}
