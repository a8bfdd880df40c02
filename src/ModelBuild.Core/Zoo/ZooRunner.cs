namespace ModelBuild.Core.Zoo;

/// <summary>
/// Runs a <see cref="ZooPlan"/>: up to <c>jobs</c> jobs at once (one at a time for a dry run, whose plans are printed
/// whole, as Open Model Zoo's converter does), each through <paramref name="run"/>; a failed job does not stop the others.
/// </summary>
/// <param name="run">Compiles (or previews) one job and writes its folder; false when it reported errors.</param>
/// <param name="progress">Hears every job's start and end.</param>
public sealed class ZooRunner(Func<ZooJob, CancellationToken, Task<bool>> run, IZooProgress progress)
{
    /// <summary>Runs every job; returns the failed ones in plan order.</summary>
    public async Task<IReadOnlyList<ZooJob>> RunAsync(ZooPlan plan, int jobs, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        foreach (var skip in plan.Skipped)
        {
            progress.Skipped(skip);
        }

        var results = new bool[plan.Jobs.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, plan.Jobs.Count),
            new ParallelOptions { MaxDegreeOfParallelism = dryRun ? 1 : Math.Max(1, jobs), CancellationToken = cancellationToken },
            async (index, token) =>
            {
                var job = plan.Jobs[index];
                progress.JobBegin(job);
                results[index] = await run(job, token).ConfigureAwait(false);
                progress.JobEnd(job, results[index]);
            }).ConfigureAwait(false);
        return [.. plan.Jobs.Where((_, i) => !results[i])];
    }
}
