using System.Text;
using Google.Protobuf;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Runtime.Tests.Runtime;

public sealed class SessionOptionsTests
{
    private static readonly Tensor X = Tensor.Create(new float[] { 1, -2, 3, -4 }, [4]);

    /// <summary>y = x * (w1 + w2): the Add of two initializers is what basic optimization folds away.</summary>
    private static byte[] FoldableModel()
    {
        var w1 = new TensorProto { Name = "w1", DataType = (int)TensorElementType.Float, Dims = { 4 }, FloatData = { 1, 2, 3, 4 } };
        var w2 = new TensorProto { Name = "w2", DataType = (int)TensorElementType.Float, Dims = { 4 }, FloatData = { 0.5f, 0.5f, 0.5f, 0.5f } };
        return TestModels.Build(
            [TestModels.Node("Add", ["w1", "w2"], ["c"]), TestModels.Node("Mul", ["x", "c"], ["y"])],
            [TestModels.Value("x", TensorElementType.Float, 4)],
            [TestModels.Value("y", TensorElementType.Float, 4)],
            [w1, w2]);
    }

    private static readonly float[] FoldableExpected = [1.5f, -5f, 10.5f, -18f];

    private static float[] RunFoldable(InferenceSession session) =>
        session.Run([new NamedTensor("x", X)])[0].Value.ToArray<float>();

    [Fact]
    public void Basic_level_saves_a_portable_onnx_model_with_constants_folded()
    {
        using var temp = new TempFolder();
        var basicPath = Path.Combine(temp.Path, "basic.onnx");
        var untouchedPath = Path.Combine(temp.Path, "untouched.onnx");

        using (var session = new InferenceSession(FoldableModel(), new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.Basic, OptimizedModelFilePath = basicPath }))
        {
            Assert.Equal(FoldableExpected, RunFoldable(session));
        }

        using (new InferenceSession(FoldableModel(), new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.DisableAll, OptimizedModelFilePath = untouchedPath }))
        {
        }

        var basic = ModelProto.Parser.ParseFrom(File.ReadAllBytes(basicPath));
        var untouched = ModelProto.Parser.ParseFrom(File.ReadAllBytes(untouchedPath));
        Assert.Equal(["Mul"], basic.Graph.Node.Select(n => n.OpType));
        Assert.Equal(["Add", "Mul"], untouched.Graph.Node.Select(n => n.OpType));
        Assert.All(basic.Graph.Node, n => Assert.True(string.IsNullOrEmpty(n.Domain), "basic level must keep standard ONNX operators"));

        using var reloaded = new InferenceSession(basicPath);
        Assert.Equal(FoldableExpected, RunFoldable(reloaded));
    }

    [Fact]
    public void Ort_format_is_saved_and_loads_from_path_and_bytes()
    {
        using var temp = new TempFolder();
        var ortPath = Path.Combine(temp.Path, "model.optimized");

        using (new InferenceSession(FoldableModel(), new SessionOptions { OptimizedModelFilePath = ortPath, OptimizedModelFormat = OptimizedModelFormat.Ort }))
        {
        }

        var bytes = File.ReadAllBytes(ortPath);
        Assert.Equal("ORTM", Encoding.ASCII.GetString(bytes, 4, 4)); // the flatbuffer file identifier
        using var fromPath = new InferenceSession(ortPath, new SessionOptions { ConfigEntries = new Dictionary<string, string> { ["session.load_model_format"] = "ORT" } });
        using var fromBytes = new InferenceSession(bytes);
        Assert.Equal(FoldableExpected, RunFoldable(fromPath));
        Assert.Equal(FoldableExpected, RunFoldable(fromBytes));
    }

    [Fact]
    public void Model_bytes_used_directly_are_kept_alive_by_the_session()
    {
        using var temp = new TempFolder();
        var ortPath = Path.Combine(temp.Path, "model.ort");
        using (new InferenceSession(FoldableModel(), new SessionOptions { OptimizedModelFilePath = ortPath, OptimizedModelFormat = OptimizedModelFormat.Ort }))
        {
        }

        var bytes = File.ReadAllBytes(ortPath);
        using var session = new InferenceSession(bytes, new SessionOptions { ConfigEntries = new Dictionary<string, string> { ["session.use_ort_model_bytes_directly"] = "1" } });

        // ORT keeps reading the bytes it was given; the caller's array must not be them.
        Array.Clear(bytes);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.Equal(FoldableExpected, RunFoldable(session));
    }

    [Fact]
    public void External_data_of_a_model_from_bytes_is_found_in_the_given_folder()
    {
        using var temp = new TempFolder();
        var dataFolder = Path.Combine(temp.Path, "weights");
        Directory.CreateDirectory(dataFolder);
        float[] weights = [2, 3, 4, 5];
        File.WriteAllBytes(Path.Combine(dataFolder, "w.bin"), Tensor.Create(weights, [4]).AsBytes().ToArray());
        var w = new TensorProto { Name = "w", DataType = (int)TensorElementType.Float, Dims = { 4 }, DataLocation = TensorProto.Types.DataLocation.External };
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "w.bin" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "0" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "16" });
        var model = TestModels.Build([TestModels.Node("Mul", ["x", "w"], ["y"])], [TestModels.Value("x", TensorElementType.Float, 4)], [TestModels.Value("y", TensorElementType.Float, 4)], [w]);
        var options = new SessionOptions { ExternalDataFolder = dataFolder, LogSeverity = OnnxRuntimeLogSeverity.Fatal };

        using var session = new InferenceSession(model, options);
        var error = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(model, options with { ExternalDataFolder = null }));

        Assert.Equal([2f, -6f, 12f, -20f], session.Run([new NamedTensor("x", X)])[0].Value.ToArray<float>());
        Assert.Contains("external", error.NativeMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Config_entries_reach_ORT_and_its_refusals_are_reported()
    {
        var accepted = new SessionOptions { ConfigEntries = new Dictionary<string, string> { ["session.disable_prepacking"] = "1" } };
        using (var session = new InferenceSession(FoldableModel(), accepted))
        {
            Assert.Equal(FoldableExpected, RunFoldable(session));
        }

        // The entry visibly reaches ORT: told the ONNX bytes are ORT format, it refuses them.
        var wrongFormat = new SessionOptions { ConfigEntries = new Dictionary<string, string> { ["session.load_model_format"] = "ORT" }, LogSeverity = OnnxRuntimeLogSeverity.Fatal };
        var refusedModel = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(FoldableModel(), wrongFormat));
        Assert.StartsWith("MB5004: ONNX Runtime could not load the model", refusedModel.Message, StringComparison.Ordinal);

        // An entry ORT rejects outright is reported with the key, and the half-built options are released.
        var emptyKey = new SessionOptions { ConfigEntries = new Dictionary<string, string> { [""] = "1" } };
        var refusedKey = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(FoldableModel(), emptyKey));
        Assert.Equal(OnnxRuntimeErrorCode.InvalidArgument, refusedKey.ErrorCode);
        Assert.Contains("set session config entry ''", refusedKey.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Threads_log_severity_and_every_optimization_level_are_accepted()
    {
        foreach (var level in Enum.GetValues<GraphOptimizationLevel>())
        {
            var options = new SessionOptions
            {
                GraphOptimizationLevel = level,
                IntraOpThreads = 2,
                InterOpThreads = 1,
                LogSeverity = OnnxRuntimeLogSeverity.Error,
            };
            using var session = new InferenceSession(FoldableModel(), options);
            Assert.Equal(FoldableExpected, RunFoldable(session));
        }
    }

    [Fact]
    public void Options_are_immutable_values()
    {
        var options = new SessionOptions { IntraOpThreads = 3 };
        var changed = options with { IntraOpThreads = 4 };

        Assert.Equal(3, options.IntraOpThreads);
        Assert.Equal(4, changed.IntraOpThreads);
        Assert.Equal(GraphOptimizationLevel.All, SessionOptions.Default.GraphOptimizationLevel);
        Assert.Equal(OnnxRuntimeLogSeverity.Warning, SessionOptions.Default.LogSeverity);
    }
}
