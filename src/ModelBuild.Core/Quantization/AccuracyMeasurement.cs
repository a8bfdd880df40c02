namespace ModelBuild.Core.Quantization;

/// <summary>
/// How close one output of the quantized model is to the float model's: cosine similarity (mean and worst
/// over samples), SQNR in dB over all samples, and for classifier outputs (<c>[N, classes]</c>) the share of
/// rows with the same arg-max class.
/// </summary>
public sealed record OutputAccuracy(string Name, double Cosine, double WorstCosine, double Sqnr, double NoiseRatio, double? Top1Agreement);

/// <summary>
/// The SQNR of one quantized activation: <see cref="Sqnr"/> compares the float model's tensor with the QDQ
/// model's dequantized one (error accumulated from every layer before it); <see cref="LocalSqnr"/> compares
/// the QDQ model's tensor before QuantizeLinear with its dequantized value (this tensor's own rounding).
/// </summary>
public sealed record TensorAccuracy(string Name, double Sqnr, double LocalSqnr);

/// <summary>The accuracy of a QDQ model against its float model on the evaluation samples.</summary>
public sealed record AccuracyMeasurement(
    int Samples,
    IReadOnlyList<OutputAccuracy> Outputs,
    IReadOnlyDictionary<string, TensorAccuracy> Tensors)
{
    /// <summary>
    /// The drop by <paramref name="metric"/>, worst output first: 1 − top-1 agreement, 1 − mean cosine, or the
    /// noise-to-signal energy ratio; null when no output can be measured that way (top-1 without a classifier output).
    /// </summary>
    public double? Drop(AccuracyMetric metric)
    {
        var drops = metric switch
        {
            AccuracyMetric.Top1Agreement => Outputs.Where(o => o.Top1Agreement is not null).Select(o => 1 - o.Top1Agreement!.Value),
            AccuracyMetric.Cosine => Outputs.Select(o => 1 - o.Cosine),
            _ => Outputs.Select(o => o.NoiseRatio),
        };
        return drops.Select(d => (double?)d).Max();
    }
}
