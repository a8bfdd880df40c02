namespace ModelBuild.Core.Calibration;

/// <summary>
/// What a calibration pass saw of one tensor over all samples: its smallest and largest finite value and
/// the most elements it had in one sample. A tensor that was never finite has <see cref="Min"/> &gt; <see cref="Max"/>.
/// </summary>
public readonly record struct TensorStatistics(float Min, float Max, long Elements)
{
    /// <summary>Nothing seen yet.</summary>
    public static TensorStatistics Empty => new(float.PositiveInfinity, float.NegativeInfinity, 0);

    /// <summary>True once a finite value was seen.</summary>
    public bool HasValues => Min <= Max;

    /// <summary>The larger magnitude of the two ends; 0 when nothing was seen.</summary>
    public float AbsoluteMax => HasValues ? Math.Max(Math.Abs(Min), Math.Abs(Max)) : 0f;

    /// <summary>Merges one sample's minimum, maximum and size; NaN and infinite ends are not values.</summary>
    public TensorStatistics Merge(float min, float max, long elements) => new(
        float.IsFinite(min) ? Math.Min(Min, min) : Min,
        float.IsFinite(max) ? Math.Max(Max, max) : Max,
        Math.Max(Elements, elements));
}

/// <summary>A calibrated range of a tensor, the <c>[rmin, rmax]</c> its quantization parameters come from.</summary>
public readonly record struct TensorRange(float Min, float Max);
