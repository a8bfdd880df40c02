namespace ModelBuild.Core.Calibration;

/// <summary>
/// Ranges from the smallest and largest value of each tensor over all samples. Streaming: the model computes
/// <c>ReduceMin</c>/<c>ReduceMax</c> of each tensor itself and only those scalars are merged per sample.
/// </summary>
public sealed class MinMaxCalibrator : ICalibrator
{
    /// <inheritdoc/>
    public CalibrationMethod Method => CalibrationMethod.MinMax;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, TensorRange> Calibrate(
        CalibrationRunner runner,
        IReadOnlyList<string> tensors,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var statistics = runner.CollectMinMax(tensors, cancellationToken);
        return tensors.ToDictionary(t => t, t => RangeOf(statistics[t]), StringComparer.Ordinal);
    }

    /// <summary>The observed range; a tensor never seen finite gets [0, 0].</summary>
    internal static TensorRange RangeOf(TensorStatistics statistics) =>
        statistics.HasValues ? new TensorRange(statistics.Min, statistics.Max) : new TensorRange(0f, 0f);
}
