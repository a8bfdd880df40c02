using System.Globalization;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Pipeline.Validation;

/// <summary>
/// What a converted model must reach against the original, per output: a cosine similarity of at least
/// <see cref="MinCosine"/>, for classifier-shaped outputs a top-1 agreement of at least
/// <see cref="MinTop1Agreement"/>, and when set a max abs error of at most <see cref="MaxAbsError"/>.
/// Any NaN or infinity where the original has none fails.
/// </summary>
public sealed record ValidationThresholds(double MinCosine, double? MinTop1Agreement, double? MaxAbsError)
{
    /// <summary>Float32 paths: cosine ≥ 0.99999 (they should be equal up to rounding).</summary>
    public static ValidationThresholds SinglePrecision { get; } = new(0.99999, null, null);

    /// <summary>Float16 paths: cosine ≥ 0.999 and top-1 agreement ≥ 99%.</summary>
    public static ValidationThresholds HalfPrecision { get; } = new(0.999, 0.99, null);

    /// <summary>
    /// INT8 paths: cosine ≥ 0.95 per output. 8 bits move near ties across (a two-class softmax at 0.55/0.45 may
    /// come out 0.45/0.55, cosine ≈ 0.98), so top-1 agreement is the accuracy budget's job
    /// (<c>quantization.max_drop</c>, which falls layers back to float); validation catches quantization gone wrong
    /// (wrong ranges, a channel-order mix-up), which costs far more.
    /// </summary>
    public static ValidationThresholds Quantized { get; } = new(0.95, null, null);

    /// <summary>The precision's defaults with the manifest's <c>validation</c> values on top.</summary>
    public static ValidationThresholds For(Precision precision, ValidationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(precision);
        ArgumentNullException.ThrowIfNull(settings);
        var defaults = precision.Quantized ? Quantized : precision.HalfFloat ? HalfPrecision : SinglePrecision;
        return new(
            settings.MinCosine ?? defaults.MinCosine,
            settings.MinTop1Agreement ?? defaults.MinTop1Agreement,
            settings.MaxAbsError ?? defaults.MaxAbsError);
    }

    /// <summary>What an output misses, e.g. <c>cosine 0.9981 &lt; 0.999</c>; empty when it passes.</summary>
    public IReadOnlyList<string> Misses(OutputMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var misses = new List<string>();
        if (metrics.NonFiniteMismatches > 0)
        {
            misses.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{metrics.NonFiniteMismatches} NaN or infinite values the original does not have"));
        }

        // Written so that a NaN metric fails too.
        if (!(metrics.Cosine >= MinCosine))
        {
            misses.Add(string.Create(CultureInfo.InvariantCulture, $"cosine {metrics.Cosine:0.0000000} < {MinCosine}"));
        }

        if (MinTop1Agreement is { } top1 && metrics.Top1Agreement is { } agreement && !(agreement >= top1))
        {
            misses.Add(string.Create(CultureInfo.InvariantCulture, $"top-1 agreement {agreement * 100:0.0}% < {top1 * 100:0.0}%"));
        }

        if (MaxAbsError is { } max && !(metrics.MaxAbsError <= max))
        {
            misses.Add(string.Create(CultureInfo.InvariantCulture, $"max abs error {metrics.MaxAbsError:G3} > {max}"));
        }

        return misses;
    }
}
