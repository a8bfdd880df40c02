using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// Runs a float model over calibration data and streams what calibrators need, one sample at a time:
/// per-tensor minimum and maximum computed inside the model (<see cref="CollectMinMax"/>), or the values of
/// tensors handed to a visitor in groups that fit a memory budget (<see cref="CollectValues"/>). Nothing is
/// kept across samples but what the caller accumulates, so memory is bounded by tensors × statistics, not by
/// samples × activations.
/// </summary>
public sealed class CalibrationRunner
{
    private readonly ModelProto _model;
    private readonly ICalibrationDataSource _data;
    private readonly HashSet<string> _graphInputs;
    private GraphValueTypes? _types;

    /// <param name="model">The float model.</param>
    /// <param name="data">The calibration samples.</param>
    /// <param name="memoryBudgetBytes">How many bytes of tensor values one run of <see cref="CollectValues"/> may hold.</param>
    /// <param name="types">The model's value types when the caller has them (inferred on first use otherwise).</param>
    /// <param name="maxBatchSize">
    /// The most samples one statistics run of <see cref="CollectMinMax"/> takes; 1 runs sample by sample.
    /// </param>
    public CalibrationRunner(
        ModelProto model,
        ICalibrationDataSource data,
        long memoryBudgetBytes = CalibratorOptions.DefaultMemoryBudgetBytes,
        GraphValueTypes? types = null,
        int maxBatchSize = SampleBatches.DefaultMaxBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatchSize);
        MaxBatchSize = maxBatchSize;
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryBudgetBytes);
        _model = model;
        _data = data;
        _graphInputs = model.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        MemoryBudgetBytes = memoryBudgetBytes;
        _types = types;
    }

    /// <summary>
    /// The most bytes of tensor values one run of <see cref="CollectValues"/> holds, and of activations one batch of
    /// <see cref="CollectMinMax"/> makes.
    /// </summary>
    public long MemoryBudgetBytes { get; }

    /// <summary>The most samples one run of <see cref="CollectMinMax"/> takes; 1 runs sample by sample.</summary>
    public int MaxBatchSize { get; }

    /// <summary>The samples per run of the last <see cref="CollectMinMax"/> (1: sample by sample); for tests and benchmarks.</summary>
    internal int LastBatchSize { get; private set; }

    /// <summary>How many samples the last <see cref="CollectMinMax"/> ran again one by one after their batch; for tests and
    /// benchmarks.</summary>
    internal int SamplesRunAgain { get; private set; }

    /// <summary>Session options of every calibration run: ORT's full optimization (the statistics outputs keep their tensors
    /// alive).</summary>
    public static ModelSessionOptions SessionOptions { get; } = new() { LogSeverity = RuntimeLogSeverity.Error };

    /// <summary>The number of samples.</summary>
    public int SampleCount => _data.Count;

    /// <summary>
    /// Runs every sample once and returns each tensor's minimum, maximum and size. Models that keep samples apart run
    /// over batches of samples (<see cref="SampleBatches"/>: one <c>ReduceMin</c>/<c>ReduceMax</c> per tensor per
    /// batch); the statistics are the same as sample by sample, and a batch in which a tensor's minimum or maximum is
    /// not finite is run again sample by sample for that tensor, so that non-finite values are set aside per sample.
    /// </summary>
    /// <exception cref="DiagnosticException">A sample cannot be read or run (MB8113 and the data's codes).</exception>
    public IReadOnlyDictionary<string, TensorStatistics> CollectMinMax(
        IReadOnlyList<string> tensors,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var statistics = tensors.ToDictionary(t => t, _ => TensorStatistics.Empty, StringComparer.Ordinal);
        if (tensors.Count == 0)
        {
            return statistics;
        }

        // Sizes known from the (fixed) shapes need no Size node: every node added costs a kernel launch per sample.
        _types ??= GraphValueTypes.Infer(_model);
        var knownSizes = tensors
            .Select(t => (Tensor: t, Shape: _types.Find(t)?.Shape))
            .Where(t => t.Shape is { } shape && shape.All(d => d >= 0))
            .ToDictionary(t => t.Tensor, t => t.Shape!.Aggregate(1L, (a, b) => a * b), StringComparer.Ordinal);
        var batches = knownSizes.Count == tensors.Count
            ? SampleBatches.Plan(_model, _types, _data.Count, MemoryBudgetBytes, MaxBatchSize)
            : null;
        LastBatchSize = batches?.Size ?? 1;
        SamplesRunAgain = 0;
        if (batches is null)
        {
            using var single = new MinMaxRun(_model, tensors, knownSizes);
            foreach (var sample in _data.Read(cancellationToken))
            {
                single.Merge(sample, statistics, null, cancellationToken);
            }

            return statistics;
        }

        // The sample-by-sample session is made only if a batch needs it.
        MinMaxRun? fallback = null;
        try
        {
            using var batched = new MinMaxRun(batches.Model, tensors, knownSizes);
            var again = new List<string>();
            foreach (var chunk in _data.Read(cancellationToken).Chunk(batches.Size))
            {
                again.Clear();
                if (batches.Stack(chunk) is not { } inputs || !batched.TryMerge(inputs, statistics, again, cancellationToken))
                {
                    again.AddRange(tensors);
                }

                if (again.Count > 0)
                {
                    fallback ??= new MinMaxRun(_model, tensors, knownSizes);
                    var only = again.ToHashSet(StringComparer.Ordinal);
                    SamplesRunAgain += chunk.Length;
                    foreach (var sample in chunk)
                    {
                        fallback.Merge(sample, statistics, only, cancellationToken);
                    }
                }
            }
        }
        finally
        {
            fallback?.Dispose();
        }

        return statistics;
    }

    /// <summary>
    /// Runs the samples and hands the values of every tensor of <paramref name="tensors"/> to
    /// <paramref name="visit"/>, sample by sample, in sample order. Tensors are taken in groups whose total size
    /// (from <paramref name="elementCounts"/>) fits <see cref="MemoryBudgetBytes"/>, one pass over the data per
    /// group; a tensor larger than the budget forms a group of its own. <paramref name="visit"/> is called for
    /// different tensors of one sample at the same time, never twice at once for the same tensor.
    /// </summary>
    public void CollectValues(
        IReadOnlyList<string> tensors,
        IReadOnlyDictionary<string, long> elementCounts,
        Action<string, ReadOnlySpan<float>> visit,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(elementCounts);
        ArgumentNullException.ThrowIfNull(visit);
        foreach (var group in Groups(tensors, elementCounts))
        {
            var computed = group.Where(t => !_graphInputs.Contains(t)).ToList();
            var fed = group.Where(_graphInputs.Contains).ToList();
            using var session = computed.Count == 0 ? null : Open(StatisticsGraph.Exposing(_model, computed));
            var parallel = new ParallelOptions { CancellationToken = cancellationToken };
            foreach (var sample in _data.Read(cancellationToken))
            {
                var inputs = fed.Select(name => sample.Inputs.First(i => i.Name == name)).ToList();
                Parallel.ForEach(inputs, parallel, input => visit(input.Name, input.Value.AsSpan<float>()));
                if (session is not null)
                {
                    // Read in ONNX Runtime's memory: no managed copy of activations that may be many MiB each.
                    Run(
                        session,
                        sample,
                        computed,
                        views => Parallel.ForEach(views, parallel, v => visit(v.Name, v.Value.GetTensorDataAsSpan<float>())),
                        cancellationToken);
                }
            }
        }
    }

    /// <summary>Splits <paramref name="tensors"/> (in order) into runs that each hold at most the budget.</summary>
    internal List<List<string>> Groups(IReadOnlyList<string> tensors, IReadOnlyDictionary<string, long> elementCounts)
    {
        var groups = new List<List<string>>();
        var current = new List<string>();
        long bytes = 0;
        foreach (var tensor in tensors)
        {
            var size = elementCounts.GetValueOrDefault(tensor) * sizeof(float);
            if (current.Count > 0 && bytes + size > MemoryBudgetBytes)
            {
                groups.Add(current);
                current = [];
                bytes = 0;
            }

            current.Add(tensor);
            bytes += size;
        }

        if (current.Count > 0)
        {
            groups.Add(current);
        }

        return groups;
    }

    private static ModelSession Open(ModelProto model) => new(OnnxModelFile.Write(model), SessionOptions);

    private static IReadOnlyList<NamedTensor> Run(
        ModelSession session,
        CalibrationSample sample,
        IReadOnlyList<string> outputs,
        CancellationToken cancellationToken) =>
        Guarded(sample, () => session.Run(sample.Inputs, outputs, cancellationToken));

    private static void Run(
        ModelSession session,
        CalibrationSample sample,
        IReadOnlyList<string> outputs,
        Action<IReadOnlyList<OutputValue>> visit,
        CancellationToken cancellationToken) =>
        Guarded(sample, () =>
        {
            session.Run(sample.Inputs, outputs, visit, cancellationToken);
            return true;
        });

    private static T Guarded<T>(CalibrationSample sample, Func<T> run)
    {
        try
        {
            return run();
        }
        catch (Exception e) when (e is OnnxRuntimeErrorException or ArgumentException or NotSupportedException)
        {
            throw new DiagnosticException(CalibrationDiagnostics.SampleFailed.Create(null, sample.Name, CodedException.Text(e)), e);
        }
    }

    /// <summary>A session of the model with its min/max statistics, and how to merge one run's results.</summary>
    private sealed class MinMaxRun : IDisposable
    {
        private readonly StatisticsGraph.MinMaxStatistics _layout;
        private readonly IReadOnlyDictionary<string, long> _knownSizes;
        private readonly List<string> _names;
        private readonly ModelSession _session;

        public MinMaxRun(ModelProto model, IReadOnlyList<string> tensors, IReadOnlyDictionary<string, long> knownSizes)
        {
            var (augmented, layout) = StatisticsGraph.WithMinMax(model, tensors, knownSizes);
            _layout = layout;
            _knownSizes = knownSizes;
            _names = layout.Tensors.Where(t => t.Size is not null).Select(t => t.Size!).Prepend(layout.Output).ToList();
            _session = Open(augmented);
        }

        /// <summary>Runs one sample and merges its statistics of every tensor, or of <paramref name="only"/> those.</summary>
        public void Merge(
            CalibrationSample sample,
            Dictionary<string, TensorStatistics> statistics,
            HashSet<string>? only,
            CancellationToken cancellationToken)
        {
            var results = Run(_session, sample, _names, cancellationToken);
            var values = results[0].Value.AsSpan<float>();
            var next = 1;
            foreach (var tensor in _layout.Tensors)
            {
                var size = tensor.Size is null ? _knownSizes[tensor.Tensor] : results[next++].Value.AsSpan<long>()[0];
                if (only is null || only.Contains(tensor.Tensor))
                {
                    statistics[tensor.Tensor] = statistics[tensor.Tensor].Merge(values[tensor.Index], values[tensor.Index + 1], size);
                }
            }
        }

        /// <summary>
        /// Runs one batch and merges the tensors whose minimum and maximum are both finite; the others go to
        /// <paramref name="again"/>. False, with nothing merged, when ONNX Runtime refuses the batch.
        /// </summary>
        public bool TryMerge(
            IReadOnlyList<NamedTensor> inputs,
            Dictionary<string, TensorStatistics> statistics,
            List<string> again,
            CancellationToken cancellationToken)
        {
            IReadOnlyList<NamedTensor> results;
            try
            {
                results = _session.Run(inputs, _names, cancellationToken);
            }
            catch (Exception e) when (e is OnnxRuntimeErrorException or ArgumentException or NotSupportedException)
            {
                return false;
            }

            var values = results[0].Value.AsSpan<float>();
            foreach (var tensor in _layout.Tensors)
            {
                var (min, max) = (values[tensor.Index], values[tensor.Index + 1]);
                if (float.IsFinite(min) && float.IsFinite(max))
                {
                    statistics[tensor.Tensor] = statistics[tensor.Tensor].Merge(min, max, _knownSizes[tensor.Tensor]);
                }
                else
                {
                    again.Add(tensor.Tensor);
                }
            }

            return true;
        }

        public void Dispose() => _session.Dispose();
    }
}
