using System.Globalization;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Quantization.Evaluation;
using ModelBuild.Core.Quantization.Operators;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Quantization;

/// <summary>
/// Post-training static INT8 quantization to QDQ, with ONNX Runtime's semantics: the model is prepared
/// (opset, basic optimizations), its float activations calibrated over the data, quantized node by node
/// through <see cref="OperatorQuantizerRegistry"/>, measured against the float model, and — with an
/// <see cref="AccuracyBudget"/> — its worst layers by SQNR fall back to float one at a time until it fits.
/// The same model, data and options always give the same bytes.
/// </summary>
/// <remarks>
/// Everything that is not quantized stays float32 (<c>FP32-INT8</c>). For <c>FP16-INT8</c> run the FP16 pass
/// afterwards on <see cref="QuantizationReport.FloatNodes"/>, keeping QuantizeLinear/DequantizeLinear and the
/// quantized nodes in float32.
/// </remarks>
public sealed class Quantizer(QuantizationOptions options)
{
    private readonly QuantizationOptions _options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Quantizes <paramref name="model"/> with <paramref name="data"/>.</summary>
    /// <param name="model">The float model; its inputs must have fixed shapes for image calibration.</param>
    /// <param name="data">The calibration samples; the first <see cref="QuantizationOptions.EvaluationSamples"/> also measure
    /// accuracy.</param>
    /// <param name="modelName">How the report and messages name the model.</param>
    /// <param name="cancellationToken">Stops between samples.</param>
    /// <exception cref="DiagnosticException">Options, the model or the data are unusable (MB81xx and the codes of ONNX Runtime and the
    /// image decoders).</exception>
    public QuantizationResult Quantize(ModelProto model, ICalibrationDataSource data,
        string modelName = "model", CancellationToken cancellationToken = default) =>
        Quantize(model, data, null, null, modelName, cancellationToken);

    /// <summary>
    /// Quantizes <paramref name="model"/> with <paramref name="data"/> and, with <see cref="QuantizationOptions.Evaluation"/>,
    /// judges it on <paramref name="evaluation"/> against the criterion, falling back op types then nodes until it holds.
    /// </summary>
    /// <param name="model">The float model.</param>
    /// <param name="data">The calibration samples (without those held out for evaluation).</param>
    /// <param name="evaluation">The held-out set (see <see cref="EvaluationSplit"/>); null for none.</param>
    /// <param name="clock">Times the tuning's <c>timeout</c>; null for the system clock.</param>
    /// <param name="modelName">How the report and messages name the model.</param>
    /// <param name="cancellationToken">Stops between samples.</param>
    /// <exception cref="DiagnosticException">Options, the model or the data are unusable (MB81xx and the codes of ONNX Runtime and the
    /// image decoders).</exception>
    public QuantizationResult Quantize(
        ModelProto model,
        ICalibrationDataSource data,
        EvaluationSet? evaluation,
        TimeProvider? clock,
        string modelName = "model",
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        _options.Validate();
        var diagnostics = new DiagnosticBag();
        var notes = new List<string>();
        var preprocessing = PhaseTimes.Measure("quantize/preprocess");
        var prepared = QuantizationPreprocessor.Prepare(model, _options, notes);
        var types = Infer(prepared);
        preprocessing.Dispose();
        CheckExcludedNodes(prepared, diagnostics);

        var opTypes = _options.EffectiveOpTypes.Where(t => OperatorQuantizerRegistry.Find(t) is not null).ToHashSet(StringComparer.Ordinal);
        var userExcluded = _options.NodesToExclude.ToHashSet(StringComparer.Ordinal);
        var tensors = CalibrationTensors(prepared, types, opTypes, userExcluded);
        var calibrator = (_options.Calibration with { Symmetric = _options.SymmetricActivations }).CreateCalibrator();
        IReadOnlyDictionary<string, TensorRange> ranges;
        using (PhaseTimes.Measure("quantize/calibration"))
        {
            ranges = calibrator.Calibrate(
                new CalibrationRunner(prepared, data, _options.Calibration.MemoryBudgetBytes, types),
                tensors,
                cancellationToken);
        }

        var evaluator = new QuantizationEvaluator(prepared, data, _options.EvaluationSamples, _options.TensorEvaluationSamples);

        QdqModel Build(IReadOnlySet<string> excluded)
        {
            using (PhaseTimes.Measure("quantize/qdq"))
            {
                return Plan(prepared, types, ranges, opTypes, excluded);
            }
        }

        var first = Build(userExcluded);
        if (first.QuantizedNodes.Count == 0)
        {
            diagnostics.Add(QuantizationDiagnostics.NothingQuantized, null, string.Join(", ", opTypes.Order(StringComparer.Ordinal)));
        }

        var measurement = evaluator.Measure(first, withTensors: true, cancellationToken);
        var chosen = first;
        var trials = new List<FallbackTrial>();
        var fallenBack = new List<string>();
        BudgetOutcome? outcome = null;
        EvaluationReport? evaluated = null;
        if (_options.Evaluation is { } settings && evaluation is not null && first.QuantizedNodes.Count > 0)
        {
            // Accuracy judged on the held-out set against the criterion: op-type-wise, then node-wise fallback.
            var opTypesOf = prepared.Graph.Node.DistinctBy(n => n.Name)
                .ToDictionary(n => n.Name, n => n.OpType, StringComparer.Ordinal);
            var space = new TuningSpace(Build, first, Ranking(first, measurement), opTypesOf, userExcluded);
            // FP32 is the model as given (what ships as FP32), not the prepared one the quantizer works on.
            var tuned = new AccuracyTuner(settings, evaluation, clock ?? TimeProvider.System).Tune(model, space, data.Count,
                cancellationToken);
            diagnostics.AddRange(tuned.Diagnostics);
            evaluated = tuned.Report;
            if (!ReferenceEquals(tuned.Model, first))
            {
                chosen = tuned.Model;
                measurement = evaluator.Measure(chosen, withTensors: true, cancellationToken);
            }

            fallenBack.AddRange(tuned.Report.FallenBack.Select(f => f.Node));
            trials.Add(new FallbackTrial(0, null, measurement.Drop(AccuracyMetric.Cosine) ?? 0));
        }
        else if (_options.Budget is { } budget && first.QuantizedNodes.Count > 0)
        {
            var search = Search(budget, first, measurement, Build, evaluator, userExcluded, cancellationToken);
            (chosen, measurement, outcome) = (search.Model, search.Measurement, search.Outcome);
            trials.AddRange(search.Trials);
            fallenBack.AddRange(search.FallenBack);
            if (!outcome.Met)
            {
                var descriptor = budget.OverBudgetIsError ? QuantizationDiagnostics.OverBudget : QuantizationDiagnostics.OverBudgetWarning;
                diagnostics.Add(
                    descriptor,
                    null,
                    MetricName(budget.Metric),
                    Format(outcome.Drop),
                    Format(budget.MaxDrop),
                    outcome.Trials,
                    fallenBack.Count == 0 ? "no layer" : string.Join(", ", fallenBack));
            }
        }
        else
        {
            trials.Add(new FallbackTrial(0, null, measurement.Drop(_options.Budget?.Metric ?? AccuracyMetric.Cosine) ?? 0));
        }

        using var reporting = PhaseTimes.Measure("quantize/report");
        var report = Report(modelName, model, prepared, chosen, measurement, data.Count, trials, fallenBack, outcome, notes);
        report = report with { Evaluation = evaluated };
        return new QuantizationResult(chosen.QuantizedNodes.Count == 0 ? prepared : chosen.Model, report, diagnostics.Items);
    }

    /// <summary>
    /// The float activations the quantizable nodes read or write, in graph order (graph inputs first). Outputs of
    /// ops that only move data are left out: they reuse their input's parameters, so their range is never used.
    /// </summary>
    internal static List<string> CalibrationTensors(
        ModelProto model,
        GraphValueTypes types,
        HashSet<string> opTypes,
        HashSet<string> excluded)
    {
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var shared = model.Graph.Node
            .Where(n => opTypes.Contains(n.OpType) && !excluded.Contains(n.Name)
                && OperatorQuantizerRegistry.Find(n.OpType) is DataMovementQuantizer)
            .SelectMany(n => n.Output)
            .ToHashSet(StringComparer.Ordinal);
        var tensors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in model.Graph.Node
            .Where(n => opTypes.Contains(n.OpType) && n.Domain is "" or "ai.onnx" && !excluded.Contains(n.Name)))
        {
            foreach (var name in node.Input.Concat(node.Output).Where(n => !shared.Contains(n)))
            {
                if (name.Length > 0 && !initializers.Contains(name) && types.IsFloat(name) && seen.Add(name))
                {
                    tensors.Add(name);
                }
            }
        }

        return tensors;
    }

    private QdqModel Plan(
        ModelProto prepared,
        GraphValueTypes types,
        IReadOnlyDictionary<string, TensorRange> ranges,
        HashSet<string> opTypes,
        IReadOnlySet<string> excluded)
    {
        var context = new QuantizationContext(prepared, types, ranges, _options);
        foreach (var node in prepared.Graph.Node)
        {
            if (node.Domain is "" or "ai.onnx" && opTypes.Contains(node.OpType) && !excluded.Contains(node.Name)
                && OperatorQuantizerRegistry.Find(node.OpType) is { } quantizer && quantizer.Quantize(node, context))
            {
                context.QuantizedNodes.Add(node);
            }
        }

        return QdqModelWriter.Write(context);
    }

    /// <summary>The accuracy-aware search: fall back the worst remaining layer until the drop fits or the trials end.</summary>
    private static BudgetSearch Search(
        AccuracyBudget budget,
        QdqModel first,
        AccuracyMeasurement measurement,
        Func<IReadOnlySet<string>, QdqModel> build,
        QuantizationEvaluator evaluator,
        IReadOnlySet<string> userExcluded,
        CancellationToken cancellationToken)
    {
        var drop = measurement.Drop(budget.Metric)
            ?? throw new DiagnosticException(QuantizationDiagnostics.MetricNotApplicable
                .Create(null, MetricName(budget.Metric), "no output has the shape [N, classes] of a classifier"));
        var trials = new List<FallbackTrial> { new(0, null, drop) };
        var best = (Model: first, Measurement: measurement, Drop: drop, Trial: 0);
        var ranking = Ranking(first, measurement).Select(r => r.Node).ToList();
        var excluded = new HashSet<string>(userExcluded, StringComparer.Ordinal);
        var fallen = new List<string>();
        for (var trial = 1; drop > budget.MaxDrop && trial <= budget.MaxTrials && trial <= ranking.Count; trial++)
        {
            var layer = ranking[trial - 1];
            excluded.Add(layer);
            fallen.Add(layer);
            var candidate = build(excluded);
            var candidateMeasurement = evaluator.Measure(candidate, withTensors: false, cancellationToken);
            drop = candidateMeasurement.Drop(budget.Metric) ?? double.PositiveInfinity;
            trials.Add(new FallbackTrial(trial, layer, drop));
            if (drop < best.Drop)
            {
                best = (candidate, candidateMeasurement, drop, trial);
            }
        }

        var met = best.Drop <= budget.MaxDrop;
        var chosenMeasurement = best.Trial == 0 ? best.Measurement : evaluator.Measure(best.Model, withTensors: true, cancellationToken);
        return new BudgetSearch(
            best.Model,
            chosenMeasurement,
            new BudgetOutcome(budget.Metric, budget.MaxDrop, best.Drop, met, trials.Count - 1),
            trials,
            fallen.Take(best.Trial).ToList());
    }

    /// <summary>
    /// Quantized layers, worst first: a layer's score is the lowest SQNR among its own tensors (its output's
    /// rounding within the QDQ model, its weights'); ties keep graph order.
    /// </summary>
    private static List<(string Node, double Sqnr)> Ranking(QdqModel model, AccuracyMeasurement measurement)
    {
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var tensor in model.Tensors)
        {
            double? sqnr = tensor.Kind switch
            {
                QuantizedTensorKind.Activation when tensor.SharesWith is null
                    && measurement.Tensors.TryGetValue(tensor.Name, out var accuracy) => accuracy.LocalSqnr,
                QuantizedTensorKind.Weight or QuantizedTensorKind.Constant =>
                    model.ConstantSqnr.GetValueOrDefault(tensor.Name, double.PositiveInfinity),
                _ => null,
            };
            if (sqnr is { } value)
            {
                scores[tensor.Node] = Math.Min(scores.GetValueOrDefault(tensor.Node, double.PositiveInfinity), value);
            }
        }

        return [.. model.QuantizedNodes
            .Select((node, index) => (Node: node, Index: index, Score: scores.GetValueOrDefault(node, double.PositiveInfinity)))
            .OrderBy(n => n.Score)
            .ThenBy(n => n.Index)
            .Select(n => (n.Node, n.Score))];
    }

    private QuantizationReport Report(
        string modelName,
        ModelProto original,
        ModelProto prepared,
        QdqModel chosen,
        AccuracyMeasurement measurement,
        int calibrationSamples,
        IReadOnlyList<FallbackTrial> trials,
        IReadOnlyList<string> fallenBack,
        BudgetOutcome? outcome,
        IReadOnlyList<string> notes)
    {
        var settings = new QuantizationSettings(
            _options.ActivationType == QuantizedType.Int8 ? "int8" : "uint8",
            _options.SymmetricActivations,
            "int8",
            _options.PerChannel,
            _options.ReduceRange,
            _options.Calibration.Method.ToString(),
            QuantizationPreprocessor.DefaultOpset(original),
            QuantizationPreprocessor.DefaultOpset(chosen.Model),
            _options.NodesToExclude,
            _options.OpTypesToExclude);
        var tensors = chosen.Tensors.Select(t => t.Kind == QuantizedTensorKind.Activation
            ? new TensorReport(
                t,
                measurement.Tensors.GetValueOrDefault(t.Name)?.Sqnr,
                measurement.Tensors.GetValueOrDefault(t.Name)?.LocalSqnr)
            : new TensorReport(t, chosen.ConstantSqnr.GetValueOrDefault(t.Name), null)).ToList();
        var quantized = chosen.QuantizedNodes.ToHashSet(StringComparer.Ordinal);
        var floatNodes = prepared.Graph.Node.Select(n => n.Name).Where(n => !quantized.Contains(n)).ToList();
        return new QuantizationReport(
            modelName,
            settings,
            calibrationSamples,
            measurement.Samples,
            tensors,
            measurement.Outputs,
            trials,
            fallenBack,
            outcome,
            OnnxSerializedSize.Of(original),
            OnnxSerializedSize.Of(chosen.Model),
            chosen.QuantizedNodes,
            floatNodes,
            notes);
    }

    private void CheckExcludedNodes(ModelProto model, DiagnosticBag diagnostics)
    {
        var names = model.Graph.Node.Select(n => n.Name).ToList();
        foreach (var excluded in _options.NodesToExclude.Where(e => !names.Contains(e, StringComparer.Ordinal)))
        {
            var closest = NameSuggestion.Closest(excluded, names);
            diagnostics.Add(
                QuantizationDiagnostics.ExcludedNodeNotFound,
                null,
                excluded,
                closest is null ? string.Empty : $" Did you mean '{closest}'?");
        }
    }

    private static GraphValueTypes Infer(ModelProto model)
    {
        try
        {
            return GraphValueTypes.Infer(model);
        }
        catch (OnnxRuntimeErrorException e)
        {
            throw new DiagnosticException(QuantizationDiagnostics.RuntimeFailed.Create(null, "load the model to quantize", e.Message), e);
        }
    }

    internal static string MetricName(AccuracyMetric metric) => metric switch
    {
        AccuracyMetric.Top1Agreement => "top1_agreement",
        AccuracyMetric.Cosine => "cosine",
        _ => "sqnr",
    };

    private static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private sealed record BudgetSearch(
        QdqModel Model,
        AccuracyMeasurement Measurement,
        BudgetOutcome Outcome,
        IReadOnlyList<FallbackTrial> Trials,
        IReadOnlyList<string> FallenBack);
}
