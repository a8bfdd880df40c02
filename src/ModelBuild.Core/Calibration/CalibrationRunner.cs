using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// Runs a float model over calibration data and streams what calibrators need, a sample or a batch at a time:
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

    /// <summary>The session options of the statistics runs (<see cref="SessionOptions"/> unless a benchmark sets others).</summary>
    internal ModelSessionOptions StatisticsSessionOptions { get; init; } = SessionOptions;

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
        var ranks = tensors
            .Select(t => (Tensor: t, Type: _types.Find(t)))
            .Where(t => t.Type is { HasShape: true })
            .ToDictionary(t => t.Tensor, t => t.Type!.Shape.Count, StringComparer.Ordinal);
        var batches = knownSizes.Count == tensors.Count
            ? SampleBatches.Plan(_model, _types, _data.Count, MemoryBudgetBytes, MaxBatchSize)
            : null;
        LastBatchSize = batches?.Size ?? 1;
        SamplesRunAgain = 0;
        if (batches is null)
        {
            using var single = new MinMaxRun(_model, tensors, knownSizes, ranks, StatisticsSessionOptions);
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
            using var batched = new MinMaxRun(batches.Model, tensors, knownSizes, ranks, StatisticsSessionOptions);
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
                    fallback ??= new MinMaxRun(_model, tensors, knownSizes, ranks, StatisticsSessionOptions);
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
    /// <paramref name="visit"/>, in sample order: sample by sample, or, for a model that takes batches
    /// (<see cref="SampleBatches"/>), the values of a whole batch's samples at once (a tensor's samples are contiguous;
    /// the samples that only fill up the last batch are left out). Tensors are taken in groups whose total size
    /// (from <paramref name="elementCounts"/>, per sample, times the batch) fits <see cref="MemoryBudgetBytes"/>, one
    /// pass over the data per group; a tensor larger than the budget forms a group of its own. <paramref name="visit"/>
    /// is called for different tensors of one run at the same time, never twice at once for the same tensor.
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
        _types ??= GraphValueTypes.Infer(_model);
        var batches = tensors.All(elementCounts.ContainsKey)
            ? SampleBatches.Plan(_model, _types, _data.Count, MemoryBudgetBytes, MaxBatchSize)
            : null;
        var batch = batches?.Size ?? 1;
        LastBatchSize = batch;
        SamplesRunAgain = 0;
        var parallel = new ParallelOptions { CancellationToken = cancellationToken };
        foreach (var group in Groups(tensors, elementCounts, batch))
        {
            var computed = group.Where(t => !_graphInputs.Contains(t)).ToList();
            var fed = group.Where(_graphInputs.Contains).ToList();
            ModelSession? single = null;
            try
            {
                using var batched = computed.Count == 0 || batches is null
                    ? null
                    : Open(StatisticsGraph.Exposing(batches.Model, computed), StatisticsSessionOptions);
                foreach (var chunk in _data.Read(cancellationToken).Chunk(batch))
                {
                    foreach (var sample in chunk)
                    {
                        var inputs = fed.Select(name => sample.Inputs.First(i => i.Name == name)).ToList();
                        Parallel.ForEach(inputs, parallel, input => visit(input.Name, input.Value.AsSpan<float>()));
                    }

                    if (computed.Count == 0)
                    {
                        continue;
                    }

                    // A batch's values of each tensor, its real samples' part (the fill-up repeats the last sample).
                    if (batched is not null && batches!.Stack(chunk) is { } stacked && TryRun(batched, stacked, computed, views =>
                        Parallel.ForEach(views, parallel, v =>
                        {
                            var values = v.Value.GetTensorDataAsSpan<float>();
                            visit(v.Name, values[..(values.Length / batch * chunk.Length)]);
                        }),
                        cancellationToken))
                    {
                        continue;
                    }

                    SamplesRunAgain += batched is null ? 0 : chunk.Length;
                    single ??= Open(StatisticsGraph.Exposing(_model, computed), StatisticsSessionOptions);
                    foreach (var sample in chunk)
                    {
                        // Read in ONNX Runtime's memory: no managed copy of activations that may be many MiB each.
                        Run(
                            single,
                            sample,
                            computed,
                            views => Parallel.ForEach(views, parallel, v => visit(v.Name, v.Value.GetTensorDataAsSpan<float>())),
                            cancellationToken);
                    }
                }
            }
            finally
            {
                single?.Dispose();
            }
        }
    }

    /// <summary>
    /// Splits <paramref name="tensors"/> (in order) into runs that each hold at most the budget with
    /// <paramref name="batch"/> samples per run.
    /// </summary>
    internal List<List<string>> Groups(IReadOnlyList<string> tensors, IReadOnlyDictionary<string, long> elementCounts, int batch = 1)
    {
        var groups = new List<List<string>>();
        var current = new List<string>();
        long bytes = 0;
        foreach (var tensor in tensors)
        {
            var size = elementCounts.GetValueOrDefault(tensor) * sizeof(float) * batch;
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

    private static ModelSession Open(ModelProto model, ModelSessionOptions options) => new(OnnxModelFile.Write(model), options);

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

    /// <summary>
    /// Runs one batch with a visitor; false when ONNX Runtime refuses the batch before anything was visited (its samples
    /// then run one by one, so nothing is counted twice).
    /// </summary>
    private static bool TryRun(
        ModelSession session,
        IReadOnlyList<NamedTensor> inputs,
        IReadOnlyList<string> outputs,
        Action<IReadOnlyList<OutputValue>> visit,
        CancellationToken cancellationToken)
    {
        var visited = false;
        try
        {
            session.Run(inputs, outputs, views =>
            {
                visited = true;
                visit(views);
            }, cancellationToken);
            return true;
        }
        catch (Exception e) when (!visited && e is OnnxRuntimeErrorException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

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

        public MinMaxRun(
            ModelProto model,
            IReadOnlyList<string> tensors,
            IReadOnlyDictionary<string, long> knownSizes,
            IReadOnlyDictionary<string, int> ranks,
            ModelSessionOptions options)
        {
            var (augmented, layout) = StatisticsGraph.WithMinMax(model, tensors, knownSizes, ranks);
            _layout = layout;
            _knownSizes = knownSizes;
            _names = layout.Tensors.Where(t => t.Size is not null).Select(t => t.Size!).Prepend(layout.Output).ToList();
            _session = Open(augmented, options);
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
