using System.Diagnostics;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Passes;

namespace ModelBuild.Core.Pipeline.Steps;

/// <summary>
/// The prepare action: the plan's passes on the source model (input shapes, frozen inputs, preprocessing,
/// input types, outputs, simplify), checked in ONNX Runtime and against the original.
/// </summary>
internal sealed class PrepareStep(PipelineServices services) : ConvertingStep(services)
{
    public override string Name => "prepare";

    public override bool AppliesTo(CompileState state) => state.Plan is not null;

    protected override JsonObject Options(CompileState state) => state.ValidPlan.PrepareOptions();

    protected override ActionKey Key(CompileState state, JsonObject options) => Services.Keys.Prepare(state.Source.Stored, state.ValidPlan);

    protected override Task<ActionRecord> ComputeAsync(CompileState state, JsonObject options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var model = state.Source;
        var original = ReadOriginal(state);
        var bag = new DiagnosticBag();
        var passes = new List<PassRecord>();
        var current = original;
        var passing = PhaseTimes.Measure("prepare/passes");
        foreach (var pass in state.ValidPlan.Prepare)
        {
            var before = current.Graph.Node.Count;
            var next = pass.Apply(current, bag) ?? throw Stopped(state, bag);
            passes.Add(new PassRecord(pass.Name, pass.DescribeOptions(), before, next.Graph.Node.Count));
            current = next;
        }

        CheckStructure(current);
        passing.Dispose();
        var signature = OnnxModelSignature.FromModel(current);

        // A frozen input is gone from the prepared model; only the inputs it still has are checked.
        var overrides = state.ValidPlan.Prepare.OfType<InputShapePass>()
            .SelectMany(p => p.Overrides)
            .Where(o => signature.FindInput(o.InputName) is not null)
            .ToList();
        try
        {
            using var checking = PhaseTimes.Measure("prepare/load check");
            using var runtimeModel = RuntimeModel.ForProto(current);
            RuntimeModelCheck.Check(runtimeModel, signature, overrides, model.DisplayName, model.At);
        }
        catch (DiagnosticException)
        {
            // The passes' warnings (a simplification that failed first, say) explain the error that follows.
            state.Diagnostics.AddRange(bag.Items);
            throw;
        }

        var result = new StepResult(current, signature, passes, bag.Items.Where(d => !d.IsError).ToList(), original);
        return StoreAsync(state, result, clock, cancellationToken);
    }
}
