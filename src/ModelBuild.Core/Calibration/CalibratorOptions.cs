using System.Globalization;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// The calibrator and its settings. Defaults are ONNX Runtime's: MinMax; for Entropy 2048 histogram bins
/// searched for the best 128-bin quantization; for Percentile 99.999 with 2048 bins.
/// </summary>
public sealed record CalibratorOptions
{
    /// <summary>The memory the value-collecting passes (Entropy, Percentile) may hold for tensors of one run: 256 MiB.</summary>
    public const long DefaultMemoryBudgetBytes = 256L * 1024 * 1024;

    /// <summary>The strategy.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>Histogram bins of Entropy and Percentile.</summary>
    public int HistogramBins { get; init; } = 2048;

    /// <summary>The bins of the quantized distribution Entropy compares with (128 for 8-bit, as TensorRT's method).</summary>
    public int QuantizedBins { get; init; } = 128;

    /// <summary>The percentile Percentile keeps, in percent.</summary>
    public double Percentile { get; init; } = 99.999;

    /// <summary>True when the ranges will be made symmetric around 0 (int8 activations): Percentile then works on |x|.</summary>
    public bool Symmetric { get; init; }

    /// <summary>The most bytes of activations held at once by the value-collecting passes.</summary>
    public long MemoryBudgetBytes { get; init; } = DefaultMemoryBudgetBytes;

    /// <summary>The calibrator these options describe.</summary>
    /// <exception cref="DiagnosticException">A setting is out of range (MB8117).</exception>
    public ICalibrator CreateCalibrator()
    {
        Validate();
        return Method switch
        {
            CalibrationMethod.Entropy => new EntropyCalibrator(HistogramBins, QuantizedBins),
            CalibrationMethod.Percentile => new PercentileCalibrator(HistogramBins, Percentile, Symmetric),
            _ => new MinMaxCalibrator(),
        };
    }

    private void Validate()
    {
        if (HistogramBins < 2 || HistogramBins > 1 << 20)
        {
            throw Invalid("histogram bins", HistogramBins, "it must be between 2 and 1048576");
        }

        if (Method == CalibrationMethod.Entropy && (QuantizedBins < 2 || QuantizedBins > HistogramBins))
        {
            throw Invalid("quantized bins", QuantizedBins, "it must be at least 2 and at most the histogram bins");
        }

        if (!(Percentile > 0 && Percentile <= 100))
        {
            throw Invalid("percentile", Percentile, "it must be more than 0 and at most 100");
        }

        if (MemoryBudgetBytes <= 0)
        {
            throw Invalid("memory budget", MemoryBudgetBytes, "it must be positive");
        }
    }

    private static DiagnosticException Invalid(string name, IFormattable value, string why) =>
        new(CalibrationDiagnostics.InvalidCalibratorOption.Create(null, name, value.ToString(null, CultureInfo.InvariantCulture), why));
}
