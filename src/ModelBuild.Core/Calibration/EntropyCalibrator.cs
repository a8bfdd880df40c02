namespace ModelBuild.Core.Calibration;

/// <summary>
/// Ranges that minimise the KL divergence between each tensor's distribution and its 8-bit quantization
/// (<see cref="EntropyThreshold"/>), from histograms of <c>bins</c> bins over ±max|x|.
/// </summary>
public sealed class EntropyCalibrator(int bins = 2048, int quantizedBins = 128) : ICalibrator
{
    /// <inheritdoc/>
    public CalibrationMethod Method => CalibrationMethod.Entropy;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, TensorRange> Calibrate(
        CalibrationRunner runner,
        IReadOnlyList<string> tensors,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(tensors);
        var (statistics, histograms) = HistogramCollection.Collect(runner, tensors, bins, absolute: false, cancellationToken);
        // Each tensor's search is independent and costs bins² / 2 operations: spread them over the cores.
        var results = new TensorRange[tensors.Count];
        Parallel.For(0, tensors.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var tensor = tensors[i];
            if (!histograms.TryGetValue(tensor, out var histogram))
            {
                results[i] = MinMaxCalibrator.RangeOf(statistics[tensor]);
                return;
            }

            var (low, high) = EntropyThreshold.Find(histogram, quantizedBins);
            results[i] = HistogramCollection.Clamp(low, high, statistics[tensor]);
        });
        return tensors.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => results[p.i], StringComparer.Ordinal);
    }
}
