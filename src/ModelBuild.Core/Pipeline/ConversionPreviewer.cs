using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Pipeline.Steps;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// Works out a model's plan and action keys without fetching, computing or storing anything: the compile's own
/// planning, then the compile's steps in order, each asked only for its key (<see cref="IPipelineStep.PreviewAsync"/>).
/// </summary>
internal sealed class ConversionPreviewer(ModelCompiler compiler, IReadOnlyList<IPipelineStep> steps)
{
    /// <summary>
    /// The plan of one model's compile and each action's key, computed without writing anything: the source's
    /// digest comes from its pin or, for a local file, from reading it; a key that depends on an action that has
    /// not run yet is unknown. User mistakes come back as diagnostics.
    /// </summary>
    public async Task<ConversionPreview> PreviewAsync(ModelCompileRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var diagnostics = new List<Diagnostic>();
        var listed = new List<PreviewStep>();
        IReadOnlyList<CompileState>? states = null;
        try
        {
            states = compiler.Plan(request, diagnostics, []);
        }
        catch (DiagnosticException e)
        {
            diagnostics.Add(e.Diagnostic);
        }

        // Each stage is previewed as its own compile; a stage's problem stops the stages after it, as in a compile.
        var files = new List<string>();
        foreach (var state in states ?? [])
        {
            try
            {
                await PreviewStepsAsync(state, listed, cancellationToken).ConfigureAwait(false);
            }
            catch (DiagnosticException e)
            {
                state.Diagnostics.Add(e.Diagnostic);
            }

            diagnostics.AddRange(state.Diagnostics);
            files.Add(state.Request.Name + state.Selection.Target.OutputExtensions[0]);
            if (state.Diagnostics.Any(d => d.IsError))
            {
                break;
            }
        }

        var first = states?[0];
        var name = first?.ModelName ?? request.Name;
        return new ConversionPreview(
            name,
            first?.Selection,
            first?.DisplayName,
            listed,
            first is null ? [] : [.. files, BuildInfo.FileName],
            diagnostics);
    }

    private async Task PreviewStepsAsync(CompileState state, List<PreviewStep> listed, CancellationToken cancellationToken)
    {
        foreach (var step in steps)
        {
            // Until the source is inspected there is no plan, and nothing after inspect can be listed.
            if (state.Plan is null && step.Stage != PipelineStage.Download && step is not InspectStep)
            {
                return;
            }

            if (step.AppliesTo(state))
            {
                listed.AddRange(await step.PreviewAsync(state, cancellationToken).ConfigureAwait(false));
            }
        }
    }
}
