using System.Globalization;

namespace ModelBuild.Core.Quantization.Evaluation;

/// <summary>
/// LPOT's <c>accuracy_criterion</c>: the INT8 model's metric may be worse than FP32's by at most
/// <see cref="Value"/>, either as a share of FP32's value (<c>relative</c>) or in the metric's own units
/// (<c>absolute</c>). <see cref="HigherIsBetter"/> says which direction is worse.
/// </summary>
/// <param name="Relative">True for <c>relative</c>, false for <c>absolute</c>.</param>
/// <param name="Value">The drop allowed (0.01 = one percent relative, or 0.01 in the metric's units).</param>
/// <param name="HigherIsBetter">True (the default) when a larger metric is better.</param>
public sealed record AccuracyCriterion(bool Relative = true, double Value = 0.01, bool HigherIsBetter = true)
{
    /// <summary>How much worse <paramref name="candidate"/> is than <paramref name="reference"/>, in the metric's units (negative when
    /// better).</summary>
    public double Drop(double reference, double candidate) => HigherIsBetter ? reference - candidate : candidate - reference;

    /// <summary>The largest drop allowed when the FP32 model scores <paramref name="reference"/>, in the metric's units.</summary>
    public double Allowed(double reference) => Relative ? Value * Math.Abs(reference) : Value;

    /// <summary>True when <paramref name="candidate"/> is within the criterion of <paramref name="reference"/>.</summary>
    public bool IsMet(double reference, double candidate) => Drop(reference, candidate) <= Allowed(reference) + 1e-12;

    /// <summary><c>relative 0.01</c>, <c>absolute 0.02 (lower is better)</c>.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
            $"{(Relative ? "relative" : "absolute")} {Value:0.######}{(HigherIsBetter ? string.Empty : " (lower is better)")}");
}
