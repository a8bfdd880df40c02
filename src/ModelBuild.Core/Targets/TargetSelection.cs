using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Targets;

/// <summary>A target and precision that were asked for, checked against the capability matrix.</summary>
public sealed record TargetSelection(TargetCapability Target, Precision Precision)
{
    /// <summary>
    /// Checks the names a project asked for; every refusal says what is supported instead.
    /// </summary>
    /// <param name="targetName">The target as written, e.g. <c>onnx</c>.</param>
    /// <param name="precisionName">The precision as written, e.g. <c>FP16-INT8</c>.</param>
    /// <param name="engineVersion">This engine's version, named when something is not implemented yet.</param>
    /// <param name="targetAt">Where the target was written (the item's ModelTarget), for diagnostics about it.</param>
    /// <param name="precisionAt">Where the precision was written; a precision the target refuses is reported there.</param>
    public static TargetSelection Resolve(
        string targetName,
        string precisionName,
        string engineVersion,
        SourceLocation? targetAt,
        SourceLocation? precisionAt)
    {
        var target = TargetCatalog.Find(targetName) ?? throw new DiagnosticException(TargetDiagnostics.UnknownTarget.Create(
            targetAt, targetName, NameSuggestion.DidYouMean(targetName, TargetCatalog.All.Select(t => t.Name)), string.Join(
                ", ",
                TargetCatalog.All.Select(t => t.Name))));

        var precision = Precision.Find(precisionName) ?? throw new DiagnosticException(TargetDiagnostics.UnknownPrecision.Create(
            precisionAt, precisionName, NameSuggestion.DidYouMean(precisionName, Precision.All.Select(p => p.Name)), string.Join(
                ", ",
                Precision.All)));

        if (!target.Supported.Contains(precision))
        {
            throw new DiagnosticException(Unsupported(target, precision, precisionAt));
        }

        if (!target.Implemented.Contains(precision))
        {
            var implemented = TargetCatalog.All.SelectMany(t => t.Implemented.Select(p => $"{t.Name} {p}"));
            throw new DiagnosticException(TargetDiagnostics.NotImplemented.Create(
                precisionAt, target.Name, precision, engineVersion, string.Join(", ", implemented)));
        }

        return new TargetSelection(target, precision);
    }

    /// <summary>MB6003: what <paramref name="target"/> supports, and the targets that do support <paramref name="precision"/>
    /// instead.</summary>
    public static Diagnostic Unsupported(TargetCapability target, Precision precision, SourceLocation? at)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(precision);
        var instead = TargetCatalog.All.Where(t => t != target && t.Supported.Contains(precision)).Select(t => t.Name).ToList();
        var alternatives = instead.Count switch
        {
            0 => "no other target",
            1 => instead[0],
            _ => string.Join(", ", instead.Take(instead.Count - 1)) + " or " + instead[^1],
        };
        return TargetDiagnostics.UnsupportedPrecision
            .Create(at, target.Name, precision, target.Description, string.Join(", ", target.Supported), alternatives);
    }
}
