namespace ModelBuild.Core.Quantization.Evaluation;

/// <summary>A metric of one model on the evaluation set, with its sample count and 95 % interval.</summary>
/// <param name="Value">The metric.</param>
/// <param name="Samples">How many samples it was measured on.</param>
/// <param name="Interval">Its 95 % interval (Wilson for proportions; null where none applies, as for FP32 against itself).</param>
public sealed record MetricValue(double Value, int Samples, ConfidenceInterval? Interval);

/// <summary>One metric for FP32 and for INT8, measured on the same samples in the same run.</summary>
/// <param name="Name"><c>top1</c>, <c>top5</c>, <c>top1_agreement</c>, <c>cosine</c> or <c>sqnr</c>.</param>
/// <param name="Fp32">The float model's value.</param>
/// <param name="Quantized">The quantized model's value.</param>
public sealed record MetricPair(string Name, MetricValue Fp32, MetricValue Quantized);

/// <summary>Top-1 accuracy of one class.</summary>
/// <param name="Class">The class name.</param>
/// <param name="Samples">Its samples.</param>
/// <param name="Fp32">FP32's top-1 accuracy on them.</param>
/// <param name="Quantized">INT8's.</param>
public sealed record ClassAccuracy(string Class, int Samples, MetricValue Fp32, MetricValue Quantized);

/// <summary>A sample whose top-1 prediction differs between FP32 and INT8.</summary>
/// <param name="Name">The sample.</param>
/// <param name="Path">Its file.</param>
/// <param name="Label">Its true class, in a labelled set.</param>
/// <param name="Fp32">FP32's predicted class.</param>
/// <param name="Quantized">INT8's.</param>
public sealed record ChangedSample(string Name, string Path, string? Label, string Fp32, string Quantized);

/// <summary>
/// FP32 against INT8 on the evaluation set: top-1 and top-5 accuracy with labels, per-class accuracy, the top-1
/// agreement, cosine and SQNR of the outputs, and the samples whose prediction changed.
/// </summary>
/// <param name="Samples">The evaluation samples.</param>
/// <param name="Metrics">Every metric that applies.</param>
/// <param name="Classes">Per-class accuracy (labelled sets).</param>
/// <param name="Changed">The samples whose top-1 class changed, in the set's order.</param>
public sealed record EvaluationComparison(int Samples, IReadOnlyList<MetricPair> Metrics, IReadOnlyList<ClassAccuracy> Classes,
    IReadOnlyList<ChangedSample> Changed)
{
    /// <summary>The pair of <paramref name="metric"/>, or null when it does not apply to this set.</summary>
    public MetricPair? Find(EvaluationMetric metric) => Metrics.FirstOrDefault(m => m.Name == EvaluationSettings.NameOf(metric));

    /// <summary>Compares <paramref name="candidate"/> with <paramref name="reference"/> on <paramref name="set"/>.</summary>
    public static EvaluationComparison Of(EvaluationSet set, ModelOutputs reference, ModelOutputs candidate)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        var n = set.Count;
        int agree = 0, top1Fp = 0, top1Q = 0, top5Fp = 0, top5Q = 0;
        var classes = reference.Scores.Count > 0 ? reference.Scores[0].Length : 0;
        var perClass = new Dictionary<int, (int Count, int Fp, int Q)>();
        var changed = new List<ChangedSample>();
        double cosineSum = 0, cosineSquares = 0, signal = 0, noise = 0;
        for (var i = 0; i < n; i++)
        {
            var x = reference.Scores[i];
            var y = candidate.Scores[i];
            var (fp, q) = (ArgMax(x), ArgMax(y));
            agree += fp == q ? 1 : 0;
            var cosine = Cosine(x, y);
            cosineSum += cosine;
            cosineSquares += cosine * cosine;
            for (var k = 0; k < x.Length; k++)
            {
                signal += (double)x[k] * x[k];
                noise += ((double)x[k] - y[k]) * ((double)x[k] - y[k]);
            }

            var sample = set.Samples[i];
            if (sample.Label is { } label)
            {
                top1Fp += fp == label ? 1 : 0;
                top1Q += q == label ? 1 : 0;
                top5Fp += InTop(x, label, 5) ? 1 : 0;
                top5Q += InTop(y, label, 5) ? 1 : 0;
                var c = perClass.GetValueOrDefault(label);
                perClass[label] = (c.Count + 1, c.Fp + (fp == label ? 1 : 0), c.Q + (q == label ? 1 : 0));
            }

            if (fp != q)
            {
                changed.Add(new ChangedSample(sample.Name, sample.Path, sample.Label is { } l ? set.ClassName(l) : null, set.ClassName(fp),
                    set.ClassName(q)));
            }
        }

        var metrics = new List<MetricPair>();
        if (set.IsLabelled)
        {
            metrics.Add(Proportion("top1", top1Fp, top1Q, n));
            if (classes > 5)
            {
                metrics.Add(Proportion("top5", top5Fp, top5Q, n));
            }
        }

        metrics.Add(new MetricPair("top1_agreement", new MetricValue(1, n, null), Share(agree, n)));
        var mean = n == 0 ? 1 : cosineSum / n;
        var deviation = n <= 1 ? 0 : Math.Sqrt(Math.Max(0, (cosineSquares - (n * mean * mean)) / (n - 1)));
        metrics.Add(new MetricPair("cosine", new MetricValue(1, n, null), new MetricValue(mean, n, ConfidenceInterval.OfMean(mean,
            deviation, n))));
        var sqnr = noise <= 0 ? double.PositiveInfinity : signal <= 0 ? double.NegativeInfinity : 10 * Math.Log10(signal / noise);
        metrics.Add(new MetricPair("sqnr", new MetricValue(double.PositiveInfinity, n, null), new MetricValue(sqnr, n, null)));
        var classAccuracy = perClass.OrderBy(c => c.Key)
            .Select(c => new ClassAccuracy(set.ClassName(c.Key), c.Value.Count, Share(c.Value.Fp, c.Value.Count), Share(c.Value.Q,
                c.Value.Count)))
            .ToList();
        return new EvaluationComparison(n, metrics, classAccuracy, changed);
    }

    private static MetricPair Proportion(string name, int fp, int q, int n) => new(name, Share(fp, n), Share(q, n));

    private static MetricValue Share(int successes, int n) =>
        new(n == 0 ? 0 : (double)successes / n, n, ConfidenceInterval.Wilson(successes, n));

    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static bool InTop(float[] scores, int label, int k)
    {
        if (label >= scores.Length)
        {
            return false;
        }

        // Ties rank the lower index first, as a stable arg-sort does.
        var better = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            better += scores[i] > scores[label] || (scores[i] == scores[label] && i < label) ? 1 : 0;
        }

        return better < k;
    }

    private static double Cosine(float[] x, float[] y)
    {
        double dot = 0, xx = 0, yy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            dot += (double)x[i] * y[i];
            xx += (double)x[i] * x[i];
            yy += (double)y[i] * y[i];
        }

        return xx == 0 && yy == 0 ? 1 : xx == 0 || yy == 0 ? 0 : dot / Math.Sqrt(xx * yy);
    }
}
