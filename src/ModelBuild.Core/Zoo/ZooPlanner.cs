using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Zoo;

/// <summary>
/// Plans a whole-zoo run as Open Model Zoo's converter lays out its output: every selected model at every requested
/// precision the target makes, in <c>&lt;out&gt;/&lt;subdirectory&gt;/&lt;precision&gt;/</c>; precisions the target does not
/// make are skipped with the reason. Unknown precision names are errors before anything runs.
/// </summary>
public static class ZooPlanner
{
    /// <summary>The precisions made when <c>--precisions</c> is not given.</summary>
    public static IReadOnlyList<string> DefaultPrecisions(ZooRunKind kind) =>
        kind == ZooRunKind.Quantize ? ["FP16-INT8", "FP32-INT8"] : ["FP16", "FP32"];

    /// <summary>Reads <c>--precisions</c> (comma-separated, any case); null gives <see cref="DefaultPrecisions"/>.</summary>
    /// <exception cref="DiagnosticException">An unknown name (MB2152), or a float precision for quantize (MB2153).</exception>
    public static IReadOnlyList<string> ReadPrecisions(string? text, ZooRunKind kind)
    {
        if (text is null)
        {
            return DefaultPrecisions(kind);
        }

        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = names.Where(n => Precision.Find(n) is null).ToList();
        if (unknown.Count > 0 || names.Length == 0)
        {
            throw new DiagnosticException(ZooDiagnostics.UnknownPrecision.Create(
                null,
                unknown.Count == 0 ? "(none)" : string.Join(", ", unknown),
                string.Join(", ", Precision.All.Select(p => p.Name))));
        }

        var precisions = names.Select(n => Precision.Find(n)!).Distinct().ToList();
        if (kind == ZooRunKind.Quantize && precisions.FirstOrDefault(p => !p.Quantized) is { } notInt8)
        {
            throw new DiagnosticException(ZooDiagnostics.FloatPrecisionForQuantize.Create(null, notInt8.Name));
        }

        return [.. precisions.Select(p => p.Name).Order(StringComparer.Ordinal)];
    }

    /// <summary>The jobs for <paramref name="models"/> at <paramref name="precisions"/> on <paramref name="target"/>.</summary>
    /// <exception cref="DiagnosticException">The target makes none of the precisions (MB2155); an unknown target (MB6xxx).</exception>
    public static ZooPlan Plan(IReadOnlyList<ZooModel> models, string target, IReadOnlyList<string> precisions, string outputRoot)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(precisions);
        var capability = TargetCatalog.Find(target);
        var made = capability?.Implemented.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        if (made is not null && !precisions.Any(made.Contains))
        {
            throw new DiagnosticException(ZooDiagnostics.NothingToDo.Create(
                null,
                target,
                string.Join(", ", precisions),
                string.Join(", ", capability!.Implemented.Select(p => p.Name))));
        }

        var jobs = new List<ZooJob>();
        var skipped = new List<ZooSkip>();
        foreach (var model in models)
        {
            foreach (var precision in precisions)
            {
                if (made is not null && !made.Contains(precision))
                {
                    skipped.Add(new ZooSkip(model, precision, $"target '{target}' does not make {precision}"));
                    continue;
                }

                var folder = Path.Combine([Path.GetFullPath(outputRoot), .. model.Subdirectory.Split('/'), precision]);
                jobs.Add(new ZooJob(model, precision, folder));
            }
        }

        return new ZooPlan(target, jobs, skipped);
    }
}
