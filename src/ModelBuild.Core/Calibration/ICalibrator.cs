namespace ModelBuild.Core.Calibration;

/// <summary>How activation ranges are chosen from the calibration data.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest value seen (ONNX Runtime's default).</summary>
    MinMax,

    /// <summary>The symmetric clipping range whose 8-bit histogram is closest to the real one in KL divergence.</summary>
    Entropy,

    /// <summary>The range that keeps a percentile of the values (99.999 by default), clipping the outliers.</summary>
    Percentile,
}

/// <summary>
/// A calibration strategy: collects statistics of tensors over the calibration data (through a
/// <see cref="CalibrationRunner"/>), then computes each tensor's range. Strategies are interchangeable.
/// </summary>
public interface ICalibrator
{
    /// <summary>Which strategy this is.</summary>
    CalibrationMethod Method { get; }

    /// <summary>The range of every tensor in <paramref name="tensors"/> (float activations of the runner's model).</summary>
    /// <exception cref="Diagnostics.DiagnosticException">A sample cannot be read or run.</exception>
    IReadOnlyDictionary<string, TensorRange> Calibrate(
        CalibrationRunner runner,
        IReadOnlyList<string> tensors,
        CancellationToken cancellationToken = default);
}
