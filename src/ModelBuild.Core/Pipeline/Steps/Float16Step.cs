using System.Diagnostics;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;

namespace ModelBuild.Core.Pipeline.Steps;

/// <summary>The fp16 action: the previous step's model converted to float16 with the plan's options, checked against the
/// original.</summary>
internal sealed class Float16Step(PipelineServices services) : ConvertingStep(services)
{
    public override string Name => "fp16";

    public override bool AppliesTo(CompileState state) => state.Plan?.Float16 is not null;

    protected override JsonObject Options(CompileState state) => Pass(state).DescribeOptions();

    protected override Task<ActionRecord> ComputeAsync(CompileState state, JsonObject options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var pass = Pass(state);
        var input = Read(state, state.Current!.Model);
        var bag = new DiagnosticBag();
        var before = input.Graph.Node.Count;
        ModelProto converted;
        using (PhaseTimes.Measure("fp16/convert"))
        {
            converted = pass.Apply(input, bag) ?? throw Stopped(state, bag);
            CheckStructure(converted);
        }

        using (PhaseTimes.Measure("fp16/load check"))
        {
            CheckLoads(converted, "FP16", state.Source);
        }

        var passes = new List<PassRecord> { new(pass.Name, pass.DescribeOptions(), before, converted.Graph.Node.Count) };
        var result = new StepResult(converted, OnnxModelSignature.FromModel(converted), passes, bag.Items.ToList(), ReadOriginal(state));
        return StoreAsync(state, result, clock, cancellationToken);
    }

    /// <summary>
    /// The plan's FP16 pass. For FP16-INT8 only what the quantizer left float becomes float16: the quantized nodes keep
    /// their float32 DequantizeLinear -> op -> QuantizeLinear form, which ONNX Runtime runs with integer kernels.
    /// </summary>
    private static Float16Pass Pass(CompileState state)
    {
        var float16 = state.ValidPlan.Float16!;
        if (state.ValidPlan.Quantization is not null
            && state.Current?.Metadata.GetValueOrDefault(QuantizeStep.QuantizedNodesMetadata) is { } nodes)
        {
            float16 = float16 with
            {
                NodeBlockList = [.. float16.NodeBlockList, .. nodes.Split(
                '\n',
                StringSplitOptions.RemoveEmptyEntries)]
            };
        }

        return new Float16Pass(float16);
    }
}
