using System.Globalization;
using System.Text.Json.Nodes;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Pipeline.Validation;

/// <summary>
/// The original model's outputs on the validation samples, kept for one compile: prepare, quantize and fp16 each
/// check their model against the same original on the same samples, so the original is loaded, its samples decoded and
/// run once, not once per step. Entries are keyed by the feeds, samples, seed and outputs asked for; the original is
/// the compile's own, so one instance must never serve two source models.
/// </summary>
internal sealed class ReferenceOutputs
{
    /// <summary>The most bytes of inputs and outputs kept; larger runs are run again by the next step.</summary>
    public const long RetainedBytesLimit = 256L * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, IReadOnlyList<ReferenceSample>> _runs = new(StringComparer.Ordinal);

    /// <summary>How many times the original was run for a step (a kept run is not counted again); for tests.</summary>
    internal int Runs { get; private set; }

    /// <summary>Each sample's inputs for both models and the original's <paramref name="outputs"/>, in sample order.</summary>
    /// <exception cref="OnnxRuntimeErrorException">ONNX Runtime could not run the original (nothing is kept then).</exception>
    public IReadOnlyList<ReferenceSample> Get(
        ModelProto original,
        IReadOnlyList<InputFeed> feeds,
        int samples,
        int seed,
        IReadOnlyList<string> outputs,
        ModelSessionOptions options)
    {
        var key = Key(feeds, samples, seed, outputs);
        lock (_lock)
        {
            if (_runs.TryGetValue(key, out var kept))
            {
                return kept;
            }
        }

        var run = Run(original, feeds, samples, seed, outputs, options);
        lock (_lock)
        {
            Runs++;
            if (run.Sum(s => s.Bytes) <= RetainedBytesLimit)
            {
                _runs.TryAdd(key, run);
            }
        }

        return run;
    }

    private static List<ReferenceSample> Run(
        ModelProto original,
        IReadOnlyList<InputFeed> feeds,
        int samples,
        int seed,
        IReadOnlyList<string> outputs,
        ModelSessionOptions options)
    {
        using var running = PhaseTimes.Measure("validation/original");
        using var originalModel = RuntimeModel.ForProto(WithOutputs(original, outputs));
        using var session = originalModel.Open(options);
        var run = new List<ReferenceSample>(samples);
        for (var sample = 0; sample < samples; sample++)
        {
            var (originalInputs, convertedInputs) = ValidationSamples.Build(feeds, seed, sample);
            run.Add(new ReferenceSample(convertedInputs, [.. session.Run(originalInputs, outputs).Select(o => o.Value)]));
        }

        return run;
    }

    /// <summary>The original with the named tensors added as outputs where it does not have them already.</summary>
    private static ModelProto WithOutputs(ModelProto original, IReadOnlyList<string> names)
    {
        var missing = names.Where(n => !original.Graph.Output.Any(o => o.Name == n)).ToList();
        if (missing.Count == 0)
        {
            return original;
        }

        var copy = original.Clone();
        copy.Graph.Output.AddRange(missing.Select(n => new ValueInfoProto { Name = n }));
        return copy;
    }

    private static string Key(IReadOnlyList<InputFeed> feeds, int samples, int seed, IReadOnlyList<string> outputs) =>
        new JsonArray([.. feeds.Select(f => (JsonNode)f.ToJson())]).ToJsonString()
            + string.Create(CultureInfo.InvariantCulture, $"|{samples}|{seed}|")
            + string.Join('\n', outputs);
}

/// <summary>One validation sample: the converted model's inputs and the original's outputs, in the order asked for.</summary>
internal sealed record ReferenceSample(IReadOnlyList<NamedTensor> ConvertedInputs, IReadOnlyList<Tensor> Expected)
{
    /// <summary>The bytes the sample holds.</summary>
    public long Bytes => ConvertedInputs.Sum(i => (long)i.Value.AsBytes().Length) + Expected.Sum(e => (long)e.AsBytes().Length);
}
