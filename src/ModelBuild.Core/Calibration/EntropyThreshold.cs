namespace ModelBuild.Core.Calibration;

/// <summary>
/// The KL-divergence threshold search of TensorRT's 8-bit calibration, as ONNX Runtime's Entropy calibrator
/// applies it to a histogram symmetric around 0: for every window of at least <c>quantizedBins</c> bins centred
/// on the zero bin, the clipped distribution <c>p</c> (outliers folded into its end bins) is compared with
/// <c>q</c>, the same window squeezed into <c>quantizedBins</c> bins and expanded back; the window with the
/// smallest KL(p‖q) wins. q is built as ONNX Runtime builds it (see <see cref="Squeeze"/>), not as TensorRT's
/// description (mass only on p's non-empty bins), which on ReLU outputs picks windows a tenth as wide.
/// </summary>
internal static class EntropyThreshold
{
    private const double SmoothingEpsilon = 0.0001;

    /// <summary>The clipping range [lo, hi] (in value units) of the best window of <paramref name="histogram"/>.</summary>
    public static (double Low, double High) Find(Histogram histogram, int quantizedBins)
    {
        var counts = histogram.Counts;
        var bins = counts.Count;
        var zero = bins / 2;
        var half = quantizedBins / 2;
        var prefix = new long[bins + 1];
        for (var i = 0; i < bins; i++)
        {
            prefix[i + 1] = prefix[i] + counts[i];
        }

        var best = double.PositiveInfinity;
        (double, double) threshold = (histogram.Low, histogram.High);
        var p = new double[bins];
        var q = new double[bins];
        for (var i = half; i <= zero; i++)
        {
            var start = zero - i;
            var end = Math.Min(zero + i + 1, bins);
            var length = end - start;
            if (length < quantizedBins)
            {
                continue;
            }

            for (var j = 0; j < length; j++)
            {
                p[j] = counts[start + j];
            }

            p[0] += prefix[start];
            p[length - 1] += prefix[bins] - prefix[end];
            Squeeze(counts, start, length, quantizedBins, p, q);
            var divergence = Divergence(p, q, length);
            if (divergence < best)
            {
                best = divergence;
                threshold = (histogram.Edge(start), histogram.Edge(end));
            }
        }

        return threshold;
    }

    /// <summary>
    /// q, as ONNX Runtime builds it: the window merged into <paramref name="quantizedBins"/> buckets of
    /// <c>length / quantizedBins</c> bins (the last bucket's count also takes the remainder), each bucket's count
    /// divided by the number of its bins where p is not empty and written to all of its bins. Bins past the last
    /// whole bucket stay empty.
    /// </summary>
    private static void Squeeze(IReadOnlyList<long> counts, int start, int length, int quantizedBins, double[] p, double[] q)
    {
        var merged = length / quantizedBins;
        Array.Clear(q, 0, length);
        for (var bucket = 0; bucket < quantizedBins; bucket++)
        {
            var from = bucket * merged;
            var to = from + merged;
            var last = bucket == quantizedBins - 1 ? length : to;
            double sum = 0;
            for (var j = from; j < last; j++)
            {
                sum += counts[start + j];
            }

            var nonEmpty = 0;
            for (var j = from; j < to; j++)
            {
                nonEmpty += p[j] != 0 ? 1 : 0;
            }

            for (var j = from; nonEmpty > 0 && j < to; j++)
            {
                q[j] = sum / nonEmpty;
            }
        }
    }

    /// <summary>KL(p‖q) of both distributions normalised, after ONNX Runtime's smoothing of empty bins; infinity when one is all
    /// empty.</summary>
    private static double Divergence(double[] p, double[] q, int length)
    {
        if (!Smooth(p, length) || !Smooth(q, length))
        {
            return double.PositiveInfinity;
        }

        double pSum = 0, qSum = 0;
        for (var j = 0; j < length; j++)
        {
            pSum += p[j];
            qSum += q[j];
        }

        double divergence = 0;
        for (var j = 0; j < length; j++)
        {
            var pj = p[j] / pSum;
            divergence += pj * Math.Log(pj / (q[j] / qSum));
        }

        return divergence;
    }

    /// <summary>Moves a little mass (ε per empty bin) from the non-empty bins to the empty ones, so that no bin is 0.</summary>
    private static bool Smooth(double[] values, int length)
    {
        var zeros = 0;
        for (var j = 0; j < length; j++)
        {
            zeros += values[j] == 0 ? 1 : 0;
        }

        var nonZeros = length - zeros;
        if (nonZeros == 0)
        {
            return false;
        }

        var taken = SmoothingEpsilon * zeros / nonZeros;
        for (var j = 0; j < length; j++)
        {
            values[j] = values[j] == 0 ? SmoothingEpsilon : values[j] - taken;
        }

        return true;
    }
}
