namespace ModelBuild.Core.Quantization;

/// <summary>
/// Accumulates a reference signal x and its approximation y: the energy of x and of the noise x − y, and
/// from them the signal-to-quantization-noise ratio <c>SQNR = 20·log10(‖x‖ / ‖x − y‖)</c> in dB.
/// </summary>
public sealed class SignalNoise
{
    /// <summary>Σx².</summary>
    public double Signal { get; private set; }

    /// <summary>Σ(x − y)².</summary>
    public double Noise { get; private set; }

    /// <summary>The SQNR in dB: +∞ without noise, −∞ for noise without signal.</summary>
    public double Sqnr => Noise == 0 ? double.PositiveInfinity : Signal == 0 ? double.NegativeInfinity : 10 * Math.Log10(Signal / Noise);

    /// <summary>Noise energy over signal energy, <c>10^(−SQNR/10)</c>; 0 without noise.</summary>
    public double NoiseRatio => Noise == 0 ? 0 : Signal == 0 ? double.PositiveInfinity : Noise / Signal;

    public void Add(float x, float y)
    {
        double difference = x - (double)y;
        Signal += (double)x * x;
        Noise += difference * difference;
    }

    public void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"The tensors have {x.Length} and {y.Length} elements.", nameof(y));
        }

        double signal = 0, noise = 0;
        for (var i = 0; i < x.Length; i++)
        {
            double difference = x[i] - (double)y[i];
            signal += (double)x[i] * x[i];
            noise += difference * difference;
        }

        Signal += signal;
        Noise += noise;
    }
}
