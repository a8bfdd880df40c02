using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Tests.Onnx;
using ModelBuild.Tensors;
using static ModelBuild.Core.Tests.Quantization.QuantizationTestModels;
using DataType = ModelBuild.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace ModelBuild.Core.Tests.Quantization;

/// <summary>
/// The accuracy budget on a model built with one fragile layer: an Add whose output carries one huge value, so
/// its 8-bit grid is too coarse for everything else it holds (a Sub takes the spike away again, in float).
/// </summary>
public sealed class AccuracyBudgetTests
{
    private static readonly long[] Shape = [1, 3, 64, 64];

    private static readonly AccuracyBudget CosineBudget = new(MaxDrop: 0.01, Metric: AccuracyMetric.Cosine, MaxTrials: 5);

    private static ModelProto FragileModel()
    {
        var spike = new float[16 * 64 * 64];
        spike[1234] = 300f;
        return new OnnxGraphBuilder("fragile")
            .Input("x", DataType.Float, 1, 3, 64, 64)
            .Initializer("wa", OnnxTestData.Weights(16 * 3 * 3 * 3, seed: 31), 16, 3, 3, 3)
            .Initializer("wb", OnnxTestData.Weights(16 * 16, seed: 32), 16, 16, 1, 1)
            .Initializer("spike", spike, 1, 16, 64, 64)
            .Node("Conv", ["x", "wa"], ["a"], OnnxAttributes.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["a"], ["r"])
            .Node("Conv", ["r", "wb"], ["b"])
            .Node("Add", ["b", "spike"], ["spiked"])
            .Node("Sub", ["spiked", "spike"], ["y"])
            .Output("y", DataType.Float, 1, 16, 64, 64)
            .Build();
    }

    private static QuantizationResult Quantize(AccuracyBudget? budget) =>
        new Quantizer(new QuantizationOptions { Optimize = false, Budget = budget }).Quantize(FragileModel(), Data(8, Shape));

    [Fact]
    public void Without_a_budget_the_fragile_layer_ruins_the_output()
    {
        var result = Quantize(null);

        Assert.True(result.Succeeded);
        Assert.True(result.Report.Outputs.Single().Cosine < 0.99, $"cosine {result.Report.Outputs.Single().Cosine}");
        Assert.Empty(result.Report.FallenBack);
    }

    [Fact]
    public void The_budget_falls_back_the_layer_with_the_worst_SQNR_until_the_drop_fits()
    {
        var model = FragileModel();
        var add = model.Graph.Node.Single(n => n.OpType == "Add").Name;

        var result = Quantize(CosineBudget);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Equal([add], result.Report.FallenBack);
        var budget = result.Report.Budget!;
        Assert.True(budget.Met);
        Assert.Equal(1, budget.Trials);
        Assert.True(budget.Drop <= 0.01, $"drop {budget.Drop}");
        Assert.Equal([null, add], result.Report.Trials.Select(t => t.FellBack));
        Assert.True(result.Report.Trials[0].Drop > 0.01);
        Assert.Contains(add, result.Report.FloatNodes);
        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType == "QuantizeLinear" && n.Input[0] == "spiked");

        // The chosen model is what was measured: run it.
        var input = Data(1, Shape, seed: 77).Read().Single().Inputs[0].Value;
        Assert.True(Cosine(Run(model, input), Run(result.Model, input)) > 0.99);
    }

    [Fact]
    public void Over_budget_after_the_last_trial_is_an_error()
    {
        var result = Quantize(CosineBudget with { MaxTrials = 0 });

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal("MB8153", error.Code);
        Assert.Contains("cosine", error.Message, StringComparison.Ordinal);
        Assert.False(result.Report.Budget!.Met);
    }

    [Fact]
    public void Over_budget_is_a_warning_where_configured()
    {
        var result = Quantize(CosineBudget with { MaxTrials = 0, OverBudgetIsError = false });

        Assert.True(result.Succeeded);
        Assert.Equal(DiagnosticSeverity.Warning, Assert.Single(result.Diagnostics).Severity);
        Assert.Equal("MB8154", result.Diagnostics[0].Code);
    }

    [Fact]
    public void Top1_agreement_on_a_model_without_a_classifier_output_is_MB8158()
    {
        var options = new QuantizationOptions { Optimize = false, Budget = new AccuracyBudget(Metric: AccuracyMetric.Top1Agreement) };

        var error = Assert.Throws<DiagnosticException>(() => new Quantizer(options).Quantize(ConvNet(), Data(4, ImageShape)));

        Assert.Equal("MB8158", error.Diagnostic.Code);
    }

    [Fact]
    public void Top1_agreement_is_measured_on_classifier_outputs()
    {
        var classifier = new OnnxGraphBuilder("classifier")
            .Input("x", DataType.Float, 1, 6)
            .Initializer("w", OnnxTestData.Weights(5 * 6, seed: 8), 6, 5)
            .Node("MatMul", ["x", "w"], ["logits"])
            .Node("Softmax", ["logits"], ["y"])
            .Output("y", DataType.Float, 1, 5)
            .Build();
        var options = new QuantizationOptions
        {
            Optimize = false,
            Budget = new AccuracyBudget(MaxDrop: 1, Metric: AccuracyMetric.Top1Agreement)
        };

        var result = new Quantizer(options).Quantize(classifier, Data(32, [1, 6]));

        var output = result.Report.Outputs.Single();
        Assert.NotNull(output.Top1Agreement);
        Assert.InRange(output.Top1Agreement!.Value, 0, 1);
        Assert.Equal(1 - output.Top1Agreement.Value, result.Report.Budget!.Drop);
    }
}
