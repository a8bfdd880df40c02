namespace ModelBuild.Core.Calibration;

/// <summary>
/// Ranges that keep <c>percentile</c> percent of each tensor's values, as ONNX Runtime's Percentile calibrator:
/// symmetric ranges cut |x| at the percentile; asymmetric ones cut (100 − percentile)/2 percent off each end.
/// The cut falls on the left edge of the histogram bin where the cumulative share reaches it.
/// </summary>
public sealed class PercentileCalibrator(int bins = 2048, double percentile = 99.999, bool symmetric = false) : ICalibrator
{
    /// <inheritdoc/>
    public CalibrationMethod Method => CalibrationMethod.Percentile;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, TensorRange> Calibrate(
        CalibrationRunner runner,
        IReadOnlyList<string> tensors,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(tensors);
        var (statistics, histograms) = HistogramCollection.Collect(runner, tensors, bins, absolute: symmetric, cancellationToken);
        var ranges = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            if (!histograms.TryGetValue(tensor, out var histogram))
            {
                ranges[tensor] = MinMaxCalibrator.RangeOf(statistics[tensor]);
                continue;
            }

            var cdf = Cumulative(histogram);
            if (symmetric)
            {
                var edge = histogram.Edge(FirstReaching(cdf, percentile / 100.0));
                ranges[tensor] = HistogramCollection.Clamp(-edge, edge, statistics[tensor]);
            }
            else
            {
                var cut = (100.0 - percentile) / 200.0;
                ranges[tensor] = HistogramCollection.Clamp(
                    histogram.Edge(FirstReaching(cdf, cut)), histogram.Edge(FirstReaching(cdf, 1.0 - cut)), statistics[tensor]);
            }
        }

        return ranges;
    }

    private static double[] Cumulative(Histogram histogram)
    {
        var total = (double)histogram.Total;
        var cdf = new double[histogram.Bins];
        double running = 0;
        for (var i = 0; i < cdf.Length; i++)
        {
            running += histogram.Counts[i] / total;
            cdf[i] = running;
        }

        return cdf;
    }

    /// <summary>The first index whose cumulative share is at least <paramref name="share"/> (numpy's searchsorted, side left).</summary>
    private static int FirstReaching(double[] cdf, double share)
    {
        var index = Array.BinarySearch(cdf, share);
        if (index < 0)
        {
            return ~index;
        }

        // BinarySearch finds any equal element; searchsorted wants the first.
        while (index > 0 && cdf[index - 1] == share)
        {
            index--;
        }

        return index;
    }
}
