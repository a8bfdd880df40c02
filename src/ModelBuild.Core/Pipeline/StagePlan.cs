using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// The checks a multi-stage manifest needs before any stage runs: stage names that make safe file names, a main stage that
/// exists, calibration links that point at earlier stages and name an output, and no NN Archive packaging (which holds one model).
/// </summary>
internal static class StagePlan
{
    /// <summary>The stage whose model is the model's main one: the request's MainStage, else the first stage.</summary>
    public static ManifestStage MainStage(ModelManifest manifest, ModelCompileRequest request) =>
        manifest.Stages.FirstOrDefault(s => s.Name.Value == request.MainStage) ?? manifest.Stages[0];

    /// <summary>
    /// The target and precision a stage compiles at: the model's, unless the stage sets its own <c>precision</c>, which is then checked
    /// against the target where the manifest wrote it (MB6003 for a precision the target does not support).
    /// </summary>
    /// <exception cref="DiagnosticException">The target does not support or implement the stage's precision.</exception>
    public static TargetSelection Selection(
        ManifestStage stage,
        TargetSelection model,
        ModelCompileRequest request,
        string engineVersion) =>
        stage.Precision is { } precision
            ? TargetSelection.Resolve(request.Target, precision.Value, engineVersion, request.TargetAt, precision.Location)
            : model;

    /// <summary>The stage's request: the model's, with the stage's own <c>precision</c> (and where it was written) when it has one.</summary>
    public static ModelCompileRequest WithPrecision(ManifestStage stage, ModelCompileRequest request) =>
        stage.Precision is { } precision ? request with { Precision = precision.Value, PrecisionAt = precision.Location } : request;

    /// <summary>Every problem found, in the manifest's order; none for a manifest that can be compiled stage by stage.</summary>
    public static IEnumerable<Diagnostic> Problems(ModelManifest manifest, ModelCompileRequest request)
    {
        var names = manifest.Stages.Select(s => s.Name.Value).ToList();
        if (request.MainStage is { Length: > 0 } main && !names.Contains(main, StringComparer.Ordinal))
        {
            yield return PipelineDiagnostics.UnknownMainStage.Create(
                request.MainStageAt, main, manifest.FilePath, string.Join(", ", names));
        }

        var archive = string.Equals(request.Vendor.Package, VendorBuildSettings.NnArchivePackage, StringComparison.OrdinalIgnoreCase);
        if (manifest.IsMultiStage && archive)
        {
            yield return PipelineDiagnostics.MultiStageArchive.Create(request.Vendor.PackageAt, manifest.FilePath, manifest.Stages.Count);
        }

        for (var i = 0; i < manifest.Stages.Count; i++)
        {
            var stage = manifest.Stages[i];
            if (manifest.IsMultiStage && ModelNameRule.Problem(stage.Name.Value) is { } problem)
            {
                yield return ManifestDiagnostics.UnsafeModelName.Create(
                    stage.Name.Location, "The stage name", ModelNameRule.Display(stage.Name.Value), problem);
            }

            var earlier = names.Take(i).ToList();
            foreach (var (input, link) in Links(stage))
            {
                if (!earlier.Contains(link.Stage.Value, StringComparer.Ordinal))
                {
                    yield return PipelineDiagnostics.LinkedStageNotEarlier.Create(
                        link.Stage.Location,
                        input,
                        stage.Name.Value,
                        link.Stage.Value,
                        earlier.Count == 0 ? "none" : string.Join(", ", earlier));
                }
                else if (link.Output is null)
                {
                    yield return PipelineDiagnostics.LinkedOutputMissing.Create(
                        link.Stage.Location, input, stage.Name.Value, link.Stage.Value);
                }
            }
        }
    }

    /// <summary>
    /// The calibration links of a stage: each listed input's, and the stage-level one (named <c>*</c>) that the inputs the manifest
    /// does not list take.
    /// </summary>
    public static IEnumerable<(string Input, LinkCalibration Link)> Links(ManifestStage stage)
    {
        foreach (var input in stage.Inputs)
        {
            if (input.Calibration?.Value is LinkCalibration link)
            {
                yield return (input.Name.Value, link);
            }
        }

        if (stage.Defaults.Calibration?.Value is LinkCalibration defaults && stage.Inputs.Count == 0)
        {
            yield return ("*", defaults);
        }
    }
}
