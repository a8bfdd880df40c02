using ModelBuild.Cli.Downloads;
using ModelBuild.Core.Zoo;

namespace ModelBuild.Cli.Zoo;

/// <summary>
/// <c>--progress_format json</c> of a whole-zoo run: one JSON object per line, written as Open Model Zoo's downloader writes its
/// events (its converter has no JSON form): <c>model_conversion_begin {model, precision, output_dir}</c> and
/// <c>model_conversion_end {model, precision, successful}</c> per job (<c>model_quantization_*</c> for quantize), and
/// <c>model_conversion_skipped {model, precision, reason}</c>. Jobs run in parallel interleave; lines never do.
/// </summary>
internal sealed class ZooEvents(TextWriter output, ZooRunKind kind) : IZooProgress
{
    private readonly Lock _gate = new();
    private readonly string _prefix = kind == ZooRunKind.Quantize ? "model_quantization_" : "model_conversion_";

    public void Skipped(ZooSkip skip) =>
        Emit("skipped", ("model", skip.Model.Name), ("precision", skip.Precision), ("reason", skip.Reason));

    public void JobBegin(ZooJob job) =>
        Emit("begin", ("model", job.Model.Name), ("precision", job.Precision), ("output_dir", job.OutputFolder));

    public void JobEnd(ZooJob job, bool successful) =>
        Emit("end", ("model", job.Model.Name), ("precision", job.Precision), ("successful", successful));

    private void Emit(string suffix, params (string Name, object Value)[] members)
    {
        var line = OpenModelZooEvents.Line(_prefix + suffix, members).Append('\n').ToString();
        lock (_gate)
        {
            output.Write(line);
            output.Flush();
        }
    }
}
