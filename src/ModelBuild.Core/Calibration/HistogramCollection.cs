namespace ModelBuild.Core.Calibration;

/// <summary>
/// The two passes of the histogram calibrators: the model's own min/max of every tensor first, then one
/// fixed-range histogram per tensor filled run by run (a sample or a batch of samples) (symmetric around 0 over ±max|x|, or over
/// [0, max|x|] of magnitudes). Memory: tensors × bins counters, plus one budget-sized group of activations.
/// </summary>
internal static class HistogramCollection
{
    public static (IReadOnlyDictionary<string, TensorStatistics> Statistics, IReadOnlyDictionary<string, Histogram> Histograms) Collect(
        CalibrationRunner runner, IReadOnlyList<string> tensors, int bins, bool absolute, CancellationToken cancellationToken)
    {
        var statistics = runner.CollectMinMax(tensors, cancellationToken);
        var histograms = new Dictionary<string, Histogram>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            var limit = statistics[tensor].AbsoluteMax;
            if (limit > 0)
            {
                histograms[tensor] = absolute ? new Histogram(0, limit, bins, absolute: true) : new Histogram(-limit, limit, bins);
            }
        }

        // Tensors that were all zero (or never finite) need no histogram: their range is [0, 0].
        var counted = tensors.Where(histograms.ContainsKey).ToList();
        var sizes = counted.ToDictionary(t => t, t => statistics[t].Elements, StringComparer.Ordinal);
        runner.CollectValues(counted, sizes, (tensor, values) => histograms[tensor].Add(values), cancellationToken);
        return (statistics, histograms);
    }

    /// <summary><paramref name="low"/>..<paramref name="high"/> narrowed to what was seen, ONNX Runtime's last step.</summary>
    public static TensorRange Clamp(double low, double high, TensorStatistics seen) =>
        new((float)Math.Max(low, seen.Min), (float)Math.Min(high, seen.Max));
}
