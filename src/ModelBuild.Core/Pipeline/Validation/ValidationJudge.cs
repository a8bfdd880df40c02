using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Pipeline.Validation;

/// <summary>
/// Turns a step's stored report into diagnostics, on every run, cached or not: the warnings the step raised,
/// MB6018 when it could not be validated, and MB6016 (MB6017 as a warning) with the numbers of every output
/// that misses its thresholds. Thresholds judge, they do not compute, so changing them reruns nothing.
/// </summary>
internal static class ValidationJudge
{
    public static IEnumerable<Diagnostic> Judge(StepOutcome step, ConversionPlan plan, TargetSelection selection, ModelSource model)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(model);
        var at = plan.Validation.Location ?? model.At;
        foreach (var warning in step.Report.Warnings)
        {
            yield return warning with { Location = model.At };
        }

        var passes = string.Join(", ", step.Report.Passes.Select(p => p.Name).DefaultIfEmpty("no passes"));
        var validation = step.Report.Validation;
        if (validation.Skipped is { } reason)
        {
            if (plan.Validation.Enabled)
            {
                yield return PipelineDiagnostics.ValidationSkipped.Create(at, step.Title, model.DisplayName, passes, reason);
            }

            yield break;
        }

        var misses = validation.Outputs
            .Select(o => (Output: o, Misses: plan.Thresholds.Misses(o)))
            .Where(m => m.Misses.Count > 0)
            .Select(m => $"{m.Output.Describe()} ({string.Join("; ", m.Misses)})")
            .ToList();
        if (misses.Count > 0)
        {
            var descriptor = plan.Validation.OnFailure == ValidationFailure.Warning
                ? PipelineDiagnostics.ValidationFailedWarning
                : PipelineDiagnostics.ValidationFailed;
            yield return descriptor.Create(
                at,
                step.Title,
                model.DisplayName,
                passes,
                selection.Precision,
                validation.Samples,
                string.Join("; ", misses));
        }
    }
}
