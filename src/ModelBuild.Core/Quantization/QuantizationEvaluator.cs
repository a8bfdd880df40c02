using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Quantization;

/// <summary>
/// Measures a QDQ model against its float model on the first calibration samples. Outputs are compared
/// (cosine, SQNR, top-1 agreement) with both models run as an application runs them. Quantized activations
/// are compared, when asked, through <see cref="ComparisonGraph"/> on the first <c>tensorSamples</c> samples.
/// </summary>
internal sealed class QuantizationEvaluator(ModelProto floatModel, ICalibrationDataSource data, int samples, int tensorSamples)
{
    private readonly IReadOnlyList<string> _outputs = [.. floatModel.Graph.Output.Select(o => o.Name)];

    /// <summary>The number of samples outputs are measured on.</summary>
    public int Samples => Math.Min(samples, data.Count);

    public AccuracyMeasurement Measure(QdqModel quantized, bool withTensors, CancellationToken cancellationToken)
    {
        var outputs = _outputs.ToDictionary(o => o, _ => new OutputAccumulator(), StringComparer.Ordinal);
        using (PhaseTimes.Measure("quantize/accuracy outputs"))
        using (var floatSession = Open(floatModel))
        using (var quantizedSession = Open(quantized.Model))
        {
            foreach (var sample in data.Read(cancellationToken).Take(samples))
            {
                var expected = Run(floatSession, sample, _outputs, cancellationToken);
                var actual = Run(quantizedSession, sample, _outputs, cancellationToken);
                foreach (var output in _outputs.Where(o => expected[o].ElementType == TensorElementType.Float))
                {
                    outputs[output].Add(expected[output], actual[output]);
                }
            }
        }

        var tensors = withTensors
            ? MeasureTensors(quantized, cancellationToken)
            : new Dictionary<string, TensorAccuracy>(StringComparer.Ordinal);
        return new AccuracyMeasurement(Samples, [.. outputs.Where(o => o.Value.Samples > 0).Select(o => o.Value.Result(o.Key))], tensors);
    }

    private Dictionary<string, TensorAccuracy> MeasureTensors(QdqModel quantized, CancellationToken cancellationToken)
    {
        var activations = quantized.Tensors.Where(t => t.Kind == QuantizedTensorKind.Activation && t.PreQuantizeName is not null).ToList();
        var result = new Dictionary<string, TensorAccuracy>(StringComparer.Ordinal);
        if (activations.Count == 0)
        {
            return result;
        }

        using var measuring = PhaseTimes.Measure("quantize/accuracy tensors");
        var (model, energies) = ComparisonGraph.Build(floatModel, quantized, activations);
        var names = energies.SelectMany(e => new[] { e.Signal, e.Noise, e.LocalSignal, e.LocalNoise }).ToList();
        var sums = new double[names.Count];
        using (var session = Open(model))
        {
            foreach (var sample in data.Read(cancellationToken).Take(Math.Min(tensorSamples, samples)))
            {
                var values = Run(session, sample, names, cancellationToken);
                for (var i = 0; i < names.Count; i++)
                {
                    sums[i] += values[names[i]].AsSpan<float>()[0];
                }
            }
        }

        for (var i = 0; i < energies.Count; i++)
        {
            result[energies[i].Tensor] = new TensorAccuracy(
                energies[i].Tensor,
                Sqnr(sums[4 * i], sums[(4 * i) + 1]),
                Sqnr(sums[(4 * i) + 2], sums[(4 * i) + 3]));
        }

        return result;
    }

    private static double Sqnr(double signal, double noise) =>
        noise <= 0 ? double.PositiveInfinity : signal <= 0 ? double.NegativeInfinity : 10 * Math.Log10(signal / noise);

    private static ModelSession Open(ModelProto model) => new(OnnxModelFile.Write(model), CalibrationRunner.SessionOptions);

    private static Dictionary<string, Tensor> Run(
        ModelSession session,
        CalibrationSample sample,
        IReadOnlyList<string> outputs,
        CancellationToken cancellationToken)
    {
        try
        {
            return session.Run(sample.Inputs, outputs, cancellationToken).ToDictionary(o => o.Name, o => o.Value, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is OnnxRuntimeErrorException or ArgumentException or NotSupportedException)
        {
            throw new DiagnosticException(CalibrationDiagnostics.SampleFailed.Create(null, sample.Name, CodedException.Text(e)), e);
        }
    }

    /// <summary>One output's comparison over samples.</summary>
    private sealed class OutputAccumulator
    {
        private readonly SignalNoise _noise = new();
        private double _cosineSum;
        private double _worstCosine = 1;
        private long _rows;
        private long _agreeing;
        private bool _classifier = true;

        public int Samples { get; private set; }

        public void Add(Tensor expected, Tensor actual)
        {
            var x = expected.AsSpan<float>();
            var y = actual.AsSpan<float>();
            _noise.Add(x, y);
            var cosine = Cosine(x, y);
            _cosineSum += cosine;
            _worstCosine = Math.Min(_worstCosine, cosine);
            Samples++;
            var shape = expected.Shape;
            if (shape.Count != 2 || shape[1] < 2)
            {
                _classifier = false;
                return;
            }

            var classes = (int)shape[1];
            for (var row = 0; row < shape[0]; row++)
            {
                _rows++;
                _agreeing += ArgMax(x.Slice(row * classes, classes)) == ArgMax(y.Slice(row * classes, classes)) ? 1 : 0;
            }
        }

        public OutputAccuracy Result(string name) =>
            new(
                name,
                _cosineSum / Samples,
                _worstCosine,
                _noise.Sqnr,
                _noise.NoiseRatio,
                _classifier && _rows > 0 ? (double)_agreeing / _rows : null);

        private static double Cosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
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

        private static int ArgMax(ReadOnlySpan<float> values)
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
    }
}
