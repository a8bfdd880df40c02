using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;
using DataType = ModelBuild.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace ModelBuild.Core.Tests.Calibration;

/// <summary>
/// MinMax over batches of samples against the same statistics sample by sample, on small models that mix samples, make
/// non-finite values or get a sample of the wrong shape; the memory budget bounds the batch. The real model's test is
/// <see cref="PaddleOcrBatchedCalibrationTests"/>.
/// </summary>
public sealed class BatchedCalibrationTests
{
    [Fact]
    public void A_model_that_mixes_samples_runs_sample_by_sample()
    {
        // Flatten from axis 0 would put a whole batch into one row, and Softmax would then span samples.
        var model = new OnnxGraphBuilder("mixing")
            .Input("x", DataType.Float, 1, 4)
            .Node("Flatten", ["x"], ["r"], OnnxAttributes.Int("axis", 0))
            .Node("Softmax", ["r"], ["y"], OnnxAttributes.Int("axis", 1))
            .Output("y", DataType.Float, 1, 4)
            .Build();
        var data = Samples([1f, 2f, 3f, 4f], [0f, 0f, 0f, 9f], [-5f, 5f, 1f, 1f]);
        var runner = new CalibrationRunner(model, data);

        var statistics = runner.CollectMinMax(["y"]);

        Assert.Equal(1, runner.LastBatchSize);
        Assert.Equal(new CalibrationRunner(model, data, maxBatchSize: 1).CollectMinMax(["y"]), statistics);
    }

    [Fact]
    public void A_batch_with_infinite_values_is_counted_sample_by_sample_for_those_tensors()
    {
        // Log of 0 is -inf: sample by sample, that sample's minimum is set aside and its maximum still counts.
        var model = new OnnxGraphBuilder("log")
            .Input("x", DataType.Float, 1, 3)
            .Node("Log", ["x"], ["l"])
            .Node("Relu", ["x"], ["r"])
            .Output("l", DataType.Float, 1, 3)
            .Output("r", DataType.Float, 1, 3)
            .Build();
        var data = Samples([1f, 2f, 3f], [0f, 100f, 0.5f], [4f, 5f, 6f]);
        var runner = new CalibrationRunner(model, data);

        var statistics = runner.CollectMinMax(["l", "r"]);

        Assert.Equal(3, runner.LastBatchSize);
        Assert.Equal(0f, statistics["l"].Min);
        Assert.Equal(MathF.Log(100f), statistics["l"].Max, 1e-5f);
        Assert.Equal(new TensorStatistics(0f, 100f, 3), statistics["r"]);
        Assert.Equal(new CalibrationRunner(model, data, maxBatchSize: 1).CollectMinMax(["l", "r"]), statistics);
    }

    [Fact]
    public void A_sample_of_the_wrong_shape_in_a_batch_is_still_MB8113_naming_it()
    {
        var model = new OnnxGraphBuilder("identity")
            .Input("x", DataType.Float, 1, 4)
            .Node("Identity", ["x"], ["y"])
            .Output("y", DataType.Float, 1, 4)
            .Build();
        var data = new TensorCalibrationData([
            .. Enumerable.Range(0, 3)
                .Select(i => new CalibrationSample("good" + i, [new NamedTensor("x", Tensor.Create(new float[4], [1, 4]))])),
            new CalibrationSample("short", [new NamedTensor("x", Tensor.Create(new float[3], [1, 3]))]),
        ]);
        var runner = new CalibrationRunner(model, data);

        var error = Assert.Throws<DiagnosticException>(() => runner.CollectMinMax(["y"]));

        Assert.Equal(4, runner.LastBatchSize);
        Assert.Equal("MB8113", error.Diagnostic.Code);
        Assert.Contains("'short'", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_batch_is_bounded_by_the_memory_budget()
    {
        // 1 × 1024 floats in, 2 × 4 KiB of activations per sample: a 20 KiB budget holds two samples a batch.
        var model = new OnnxGraphBuilder("relu")
            .Input("x", DataType.Float, 1, 1024)
            .Node("Relu", ["x"], ["y"])
            .Output("y", DataType.Float, 1, 1024)
            .Build();
        var data = TensorCalibrationData.ForInput(
            "x",
            Enumerable.Range(0, 5).Select(i => Tensor.Create(Enumerable.Repeat((float)i - 2, 1024).ToArray(), [1, 1024])));
        var runner = new CalibrationRunner(model, data, memoryBudgetBytes: 20 * 1024);

        var statistics = runner.CollectMinMax(["x", "y"]);

        Assert.Equal(2, runner.LastBatchSize);
        Assert.Equal(new TensorStatistics(-2f, 2f, 1024), statistics["x"]);
        Assert.Equal(new TensorStatistics(0f, 2f, 1024), statistics["y"]);
    }

    private static TensorCalibrationData Samples(params float[][] samples) =>
        TensorCalibrationData.ForInput("x", samples.Select(s => Tensor.Create(s, [1, s.Length])));
}
