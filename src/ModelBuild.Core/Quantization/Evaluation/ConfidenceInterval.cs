namespace ModelBuild.Core.Quantization.Evaluation;

/// <summary>A 95 % confidence interval of a metric measured on a sample of a given size.</summary>
/// <param name="Lower">The lower bound.</param>
/// <param name="Upper">The upper bound.</param>
public sealed record ConfidenceInterval(double Lower, double Upper)
{
    /// <summary>The normal quantile of a two-sided 95 % interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Upper − lower.</summary>
    public double Width => Upper - Lower;

    /// <summary>
    /// Wilson's score interval of a proportion of <paramref name="successes"/> in <paramref name="trials"/>: unlike the
    /// normal approximation it stays inside [0, 1] and is not empty at 0 % or 100 %.
    /// </summary>
    public static ConfidenceInterval Wilson(long successes, long trials)
    {
        if (trials <= 0)
        {
            return new ConfidenceInterval(0, 1);
        }

        double n = trials, p = (double)successes / trials, z2 = Z95 * Z95;
        var centre = (p + (z2 / (2 * n))) / (1 + (z2 / n));
        var half = Z95 * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n))) / (1 + (z2 / n));
        return new ConfidenceInterval(Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>The normal interval of a mean: mean ± z·s/√n.</summary>
    public static ConfidenceInterval OfMean(double mean, double standardDeviation, long count) =>
        count <= 1
            ? new ConfidenceInterval(mean, mean)
            : new ConfidenceInterval(mean - (Z95 * standardDeviation / Math.Sqrt(count)), mean
                + (Z95 * standardDeviation / Math.Sqrt(count)));
}
