using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Quantization.Evaluation;

/// <summary>
/// What one model answers on every evaluation sample: its first float output, flattened (a classifier's scores).
/// The model runs as an application runs it, with the calibration's session options.
/// </summary>
/// <param name="Scores">Per sample, in the set's order.</param>
public sealed record ModelOutputs(IReadOnlyList<float[]> Scores)
{
    /// <summary>Runs <paramref name="model"/> on every sample of <paramref name="set"/>.</summary>
    /// <exception cref="DiagnosticException">ONNX Runtime refuses a sample (MB8110) or the model has no float output (MB8186).</exception>
    public static ModelOutputs Run(ModelProto model, ICalibrationDataSource set, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(set);
        var output = model.Graph.Output.Select(o => o.Name).FirstOrDefault()
            ?? throw new DiagnosticException(EvaluationDiagnostics.MetricNotMeasurable.Create(null, "any", "the model has no output"));
        var scores = new List<float[]>(set.Count);
        using var session = new ModelSession(OnnxModelFile.Write(model), CalibrationRunner.SessionOptions);
        foreach (var sample in set.Read(cancellationToken))
        {
            Tensor value;
            try
            {
                value = session.Run(sample.Inputs, [output], cancellationToken)[0].Value;
            }
            catch (Exception e) when (e is OnnxRuntimeErrorException or ArgumentException or NotSupportedException)
            {
                throw new DiagnosticException(CalibrationDiagnostics.SampleFailed.Create(null, sample.Name, CodedException.Text(e)), e);
            }

            if (value.ElementType != TensorElementType.Float)
            {
                throw new DiagnosticException(EvaluationDiagnostics.MetricNotMeasurable.Create(
                    null, "any", $"the model's first output '{output}' is {value}, not float scores"));
            }

            scores.Add(value.ToArray<float>());
        }

        return new ModelOutputs(scores);
    }
}
