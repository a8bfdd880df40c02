using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Pipeline.Validation;

/// <summary>
/// Runs the original and a converted model in ONNX Runtime on the same samples and compares every output
/// of the converted model with the original's tensor of that name (an inner tensor of the original when the
/// converted model was cut there). Sessions run on one thread, so the numbers are the same on every run.
/// </summary>
internal static class ModelComparison
{
    private static readonly ModelSessionOptions Options = new()
    {
        IntraOpThreads = 1,
        InterOpThreads = 1,
        LogSeverity = RuntimeLogSeverity.Fatal,
    };

    /// <param name="original">The source model, weights loaded.</param>
    /// <param name="converted">The converted model.</param>
    /// <param name="feeds">How each original input is fed.</param>
    /// <param name="samples">How many samples to run.</param>
    /// <param name="seed">Seeds the random samples.</param>
    /// <param name="classifiers">Outputs whose last axis holds class scores (top-1 agreement is measured).</param>
    /// <param name="references">The original's outputs kept from an earlier step of the compile; null to run it here.</param>
    public static ValidationResult Run(
        ModelProto original,
        RuntimeModel converted,
        IReadOnlyList<InputFeed> feeds,
        int samples,
        int seed,
        IReadOnlySet<string> classifiers,
        ReferenceOutputs? references = null)
    {
        using var convertedSession = converted.Open(Options);
        var outputs = convertedSession.Outputs.Where(o => o.Kind == OnnxValueKind.Tensor && o.ElementType != TensorElementType.String)
            .Select(o => o.Name)
            .ToList();
        if (outputs.Count == 0)
        {
            return ValidationResult.NotRun("the converted model has no numeric tensor outputs");
        }

        var reference = (references ?? new ReferenceOutputs()).Get(original, feeds, samples, seed, outputs, Options);
        var accumulators = outputs.ToDictionary(
            o => o,
            o => new OutputMetrics.Accumulator(o, classifiers.Contains(o)),
            StringComparer.Ordinal);
        foreach (var (convertedInputs, expected) in reference)
        {
            var actual = convertedSession.Run(convertedInputs, outputs);
            for (var i = 0; i < outputs.Count; i++)
            {
                var shape = actual[i].Value.Shape;
                accumulators[outputs[i]].Add(
                    Values(expected[i]),
                    Values(actual[i].Value),
                    shape.Count >= 2 ? checked((int)shape[^1]) : 0);
            }
        }

        return new ValidationResult(samples, seed, [.. outputs.Select(o => accumulators[o].Result())], null);
    }

    private static double[] Values(Tensor tensor) => tensor.ElementType switch
    {
        TensorElementType.Float => [.. tensor.AsSpan<float>().ToArray().Select(v => (double)v)],
        TensorElementType.Double => tensor.ToArray<double>(),
        TensorElementType.Float16 => [.. tensor.ToArray<Half>().Select(v => (double)v)],
        TensorElementType.BFloat16 => [.. tensor.ToArray<BFloat16>().Select(v => (double)v.ToSingle())],
        TensorElementType.Bool => [.. tensor.ToArray<bool>().Select(v => v ? 1.0 : 0.0)],
        TensorElementType.UInt8 => [.. tensor.ToArray<byte>().Select(v => (double)v)],
        TensorElementType.Int8 => [.. tensor.ToArray<sbyte>().Select(v => (double)v)],
        TensorElementType.UInt16 => [.. tensor.ToArray<ushort>().Select(v => (double)v)],
        TensorElementType.Int16 => [.. tensor.ToArray<short>().Select(v => (double)v)],
        TensorElementType.UInt32 => [.. tensor.ToArray<uint>().Select(v => (double)v)],
        TensorElementType.Int32 => [.. tensor.ToArray<int>().Select(v => (double)v)],
        TensorElementType.UInt64 => [.. tensor.ToArray<ulong>().Select(v => (double)v)],
        TensorElementType.Int64 => [.. tensor.ToArray<long>().Select(v => (double)v)],
        var other => throw new NotSupportedException($"Outputs of type {other} cannot be compared."),
    };
}
