using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Pipeline.Steps;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// The outcome of a model from the outcomes of its stages: a flat manifest's one stage as it is; a multi-stage manifest's stages as
/// one model that describes the main stage, holds every stage's files and has one build record keyed by stage name (as
/// ModelConverter's multi-stage <c>buildinfo.json</c> is).
/// </summary>
internal static class StagedOutcome
{
    /// <param name="states">Every stage's state, in the manifest's order.</param>
    /// <param name="outcomes">The outcomes of the stages that ran, in order; the last one may have failed.</param>
    /// <param name="diagnostics">What planning found, reported first.</param>
    /// <param name="dependencies">What planning read, listed first.</param>
    public static ModelCompileOutcome Combine(
        IReadOnlyList<CompileState> states,
        IReadOnlyList<ModelCompileOutcome> outcomes,
        IReadOnlyList<Diagnostic> diagnostics,
        IReadOnlyList<string> dependencies)
    {
        var allDiagnostics = diagnostics.Concat(outcomes.SelectMany(o => o.Diagnostics)).ToList();
        var allDependencies = dependencies.Concat(outcomes.SelectMany(o => o.Dependencies)).Distinct(StringComparer.Ordinal).ToList();
        var failed = outcomes.Count < states.Count || outcomes.Any(o => o.Completed is null) || allDiagnostics.Any(d => d.IsError);
        CompiledModel? model = null;
        if (!failed && outcomes.All(o => o.Model is not null))
        {
            model = states.Count == 1 ? outcomes[0].Model : MultiStage(states, [.. outcomes.Select(o => o.Model!)]);
        }

        return new ModelCompileOutcome(
            model,
            allDiagnostics,
            allDependencies,
            outcomes.Sum(o => o.ActionsRun),
            outcomes.Sum(o => o.ActionsCached))
        {
            Completed = failed ? null : model is not null ? PipelineStage.Package : outcomes[^1].Completed,
            Actions = [.. outcomes.SelectMany(o => o.Actions)],
            Attachments = failed
                ? []
                : [.. states.Count == 1 ? outcomes[0].Attachments : outcomes.Zip(states).SelectMany(StageAttachments)],
        };
    }

    /// <summary>A stage's attachments, prefixed with its name so that the stages' reports do not overwrite one another.</summary>
    private static IEnumerable<CompiledFile> StageAttachments((ModelCompileOutcome Outcome, CompileState State) stage) =>
        stage.Outcome.Attachments.Select(a => a with { FileName = stage.State.Stage.Name.Value + "." + a.FileName });

    private static CompiledModel MultiStage(IReadOnlyList<CompileState> states, IReadOnlyList<CompiledModel> stages)
    {
        var first = states[0];
        var main = StagePlan.MainStage(first.Manifest, first.Request);
        var mainModel = stages.First(s => s.Stage == main.Name.Value);
        var buildInfo = new JsonObject();
        foreach (var stage in stages)
        {
            buildInfo[stage.Stage!] = stage.BuildInfo?.DeepClone();
        }

        // The model describes its main stage, precision included (a stage may name its own).
        return new CompiledModel(
            first.ModelName,
            first.ManifestPath,
            mainModel.Selection,
            [.. mainModel.Files, .. stages.Where(s => s != mainModel).SelectMany(s => s.Files)],
            mainModel.Inputs,
            mainModel.Outputs)
        {
            BuildInfo = buildInfo,
            Stages = stages,
            MainStage = main.Name.Value,
        };
    }
}
