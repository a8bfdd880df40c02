using ModelBuild.Core.Zoo;

namespace ModelBuild.Cli.Zoo;

/// <summary>The text form of a whole-zoo run: a heading per job, as Open Model Zoo's converter prints them.</summary>
internal sealed class ZooTextProgress(DiagnosticConsole console, ZooRunKind kind, bool dryRun) : IZooProgress
{
    private readonly string _verb = kind == ZooRunKind.Quantize ? "Quantizing" : "Converting";

    public void Skipped(ZooSkip skip) => console.Info($"========== Skipping {skip.Model.Name} ({skip.Precision}): {skip.Reason}");

    public void JobBegin(ZooJob job) =>
        console.Info($"========== {(dryRun ? "(DRY RUN) " : "")}{_verb} {job.Model.Name} ({job.Precision}) into {job.OutputFolder}");

    public void JobEnd(ZooJob job, bool successful)
    {
        // The job's own lines say what it did; failures are listed together at the end.
    }
}
