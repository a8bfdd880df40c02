namespace ModelBuild.Core.Calibration;

/// <summary>
/// A histogram with fixed, equal-width bins over [<see cref="Low"/>, <see cref="High"/>]: values below or above
/// the range count in the first or last bin; NaN is not counted. With the range known before the values arrive
/// (from a min/max pass) no re-binning is ever needed, so merging samples loses nothing.
/// </summary>
public sealed class Histogram
{
    private readonly long[] _counts;
    private readonly float _low;
    private readonly float _binsPerUnit;

    public Histogram(double low, double high, int bins, bool absolute = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(high, low);
        Low = low;
        High = high;
        Absolute = absolute;
        _counts = new long[bins];
        _low = (float)low;
        _binsPerUnit = high > low ? (float)(bins / (high - low)) : 0f;
    }

    public double Low { get; }

    public double High { get; }

    /// <summary>True when values are counted by magnitude, |x|.</summary>
    public bool Absolute { get; }

    public int Bins => _counts.Length;

    public IReadOnlyList<long> Counts => _counts;

    /// <summary>The total count.</summary>
    public long Total => _counts.Sum();

    /// <summary>The left edge of bin <paramref name="index"/>; <see cref="Bins"/> gives <see cref="High"/>.</summary>
    public double Edge(int index) => index >= Bins ? High : Low + ((High - Low) * index / Bins);

    /// <summary>Counts <paramref name="values"/>. Not thread-safe: one writer per histogram.</summary>
    public void Add(ReadOnlySpan<float> values)
    {
        var last = _counts.Length - 1;
        foreach (var raw in values)
        {
            var value = Absolute ? Math.Abs(raw) : raw;
            if (float.IsNaN(value))
            {
                continue;
            }

            var bin = (value - _low) * _binsPerUnit;
            var index = bin <= 0f ? 0 : bin >= last ? last : (int)bin;
            _counts[index]++;
        }
    }
}
