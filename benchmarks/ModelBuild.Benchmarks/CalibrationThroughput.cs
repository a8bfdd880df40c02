using System.Diagnostics;
using System.Globalization;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Quantization.Operators;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Benchmarks;

/// <summary>
/// Calibration throughput as a rate: MinMax calibration's cost per sample on PaddleOCR's text-orientation classifier
/// — over every float activation of the published model, and over what the quantizer calibrates (its prepared
/// model, the tensors of its quantizable nodes) — from the difference between calibrating 16 and 128 samples so that the one-off work
/// (building the statistics model, its session) drops out, against plain inference of the same model per sample with
/// the same session options; the median of 9 rounds, alternating. Each round also calibrates one sample per run
/// (<c>maxBatchSize: 1</c>, what calibration did before batches) for comparison. Run with
/// <c>dotnet run -c Release --project benchmarks/ModelBuild.Benchmarks -- calibration-throughput</c>.
/// </summary>
internal static class CalibrationThroughput
{
    public static void Run()
    {
        var model = QuantizationBenchmarks.Classifier();
        var random = new Random(1234);
        const int Samples = 128;
        var data = TensorCalibrationData.ForInput("x", Enumerable.Range(0, Samples).Select(_ =>
            Tensor.Create(
                Enumerable.Range(0, 3 * 48 * 192).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray(),
                [1, 3, 48, 192])));
        var types = GraphValueTypes.Infer(model);
        Measure(
            "every float activation of the published model",
            model,
            types,
            [.. model.Graph.Node.SelectMany(n => n.Output).Where(types.IsFloat)],
            data);

        // What `Precision="FP16-INT8"` calibrates: the quantizer's prepared model, the tensors of its quantizable nodes.
        var options = new QuantizationOptions();
        var prepared = QuantizationPreprocessor.Prepare(model, options, []);
        var preparedTypes = GraphValueTypes.Infer(prepared);
        var opTypes = options.EffectiveOpTypes.Where(t => OperatorQuantizerRegistry.Find(t) is not null).ToHashSet(StringComparer.Ordinal);
        Measure(
            "what the quantizer calibrates (prepared model)",
            prepared,
            preparedTypes,
            Quantizer.CalibrationTensors(prepared, preparedTypes, opTypes, []),
            data);
    }

    /// <summary>
    /// What the statistics run's cost per sample depends on, on what the quantizer calibrates: the batch size cap and the
    /// statistics session's intra-op threads, against inference with the default options; median of 5 rounds, alternating.
    /// Run with <c>dotnet run -c Release --project benchmarks/ModelBuild.Benchmarks -- calibration-sweep</c>.
    /// </summary>
    public static void Sweep()
    {
        var model = QuantizationBenchmarks.Classifier();
        var random = new Random(1234);
        var data = TensorCalibrationData.ForInput("x", Enumerable.Range(0, 128).Select(_ =>
            Tensor.Create(
                Enumerable.Range(0, 3 * 48 * 192).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray(),
                [1, 3, 48, 192])));
        var options = new QuantizationOptions();
        var prepared = QuantizationPreprocessor.Prepare(model, options, []);
        var types = GraphValueTypes.Infer(prepared);
        var opTypes = options.EffectiveOpTypes
            .Where(t => OperatorQuantizerRegistry.Find(t) is not null).ToHashSet(StringComparer.Ordinal);
        var tensors = Quantizer.CalibrationTensors(prepared, types, opTypes, []);
        var small = TensorCalibrationData.ForInput("x", data.Read().Take(16).Select(s => s.Inputs[0].Value));
        var oneThread = CalibrationRunner.SessionOptions with { IntraOpThreads = 1 };
        using var plain = new ModelSession(OnnxModelFile.Write(prepared), CalibrationRunner.SessionOptions);
        using var plainOne = new ModelSession(OnnxModelFile.Write(prepared), oneThread);
        var results = new SortedDictionary<string, List<double>>(StringComparer.Ordinal);
        void Add(string key, double value)
        {
            if (!results.TryGetValue(key, out var list))
            {
                results[key] = list = [];
            }

            list.Add(value);
        }

        for (var round = 0; round < 5; round++)
        {
            foreach (var (name, session) in new[] { ("default", plain), ("intra1", plainOne) })
            {
                var sw = Stopwatch.StartNew();
                foreach (var s in data.Read())
                {
                    session.Run(s.Inputs);
                }

                Add($"inference {name}", sw.Elapsed.TotalMilliseconds / data.Count);
            }

            foreach (var batch in (int[])[1, 2, 4, 8, 16, 32])
            {
                foreach (var (name, sessionOptions) in new[] { ("default", CalibrationRunner.SessionOptions), ("intra1", oneThread) })
                {
                    var sw = Stopwatch.StartNew();
                    var smallRunner = new CalibrationRunner(prepared, small, types: types, maxBatchSize: batch)
                    {
                        StatisticsSessionOptions = sessionOptions
                    };
                    new MinMaxCalibrator().Calibrate(smallRunner, tensors);
                    var few = sw.Elapsed.TotalMilliseconds;
                    sw.Restart();
                    var runner = new CalibrationRunner(prepared, data, types: types, maxBatchSize: batch)
                    {
                        StatisticsSessionOptions = sessionOptions
                    };
                    new MinMaxCalibrator().Calibrate(runner, tensors);
                    Add($"minmax batch {batch,2} {name}", (sw.Elapsed.TotalMilliseconds - few) / (data.Count - small.Count));
                }
            }
        }

        foreach (var (key, values) in results)
        {
            var all = string.Join(", ", values.Select(v => v.ToString("F3", CultureInfo.InvariantCulture)));
            Console.WriteLine($"{key}: median {values.Order().ElementAt(values.Count / 2):F3} ms/sample ({all})");
        }
    }

    private static void Measure(string what, ModelProto model, GraphValueTypes types, List<string> tensors, TensorCalibrationData data)
    {
        using var plain = new ModelSession(OnnxModelFile.Write(model), CalibrationRunner.SessionOptions);
        var small = TensorCalibrationData.ForInput("x", data.Read().Take(16).Select(s => s.Inputs[0].Value));
        var ratios = new List<double>();
        var inferences = new List<double>();
        var marginals = new List<double>();
        var oneByOne = new List<double>();
        var batch = 0;
        for (var round = 0; round < 9; round++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var s in data.Read())
            {
                plain.Run(s.Inputs);
            }

            var inference = sw.Elapsed.TotalMilliseconds / data.Count;
            sw.Restart();
            new MinMaxCalibrator().Calibrate(new CalibrationRunner(model, small, types: types), tensors);
            var few = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            new MinMaxCalibrator().Calibrate(new CalibrationRunner(model, data, types: types), tensors);
            var many = sw.Elapsed.TotalMilliseconds;
            var marginal = (many - few) / (data.Count - small.Count);

            // The same, one sample per run (maxBatchSize 1): what calibration did before it ran in batches.
            sw.Restart();
            new MinMaxCalibrator().Calibrate(new CalibrationRunner(model, small, types: types, maxBatchSize: 1), tensors);
            few = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            var single = new CalibrationRunner(model, data, types: types, maxBatchSize: 1);
            new MinMaxCalibrator().Calibrate(single, tensors);
            oneByOne.Add((sw.Elapsed.TotalMilliseconds - few) / (data.Count - small.Count));
            var batched = new CalibrationRunner(model, data, types: types);
            batched.CollectMinMax([tensors[0]]);
            batch = batched.LastBatchSize;
            inferences.Add(inference);
            marginals.Add(marginal);
            ratios.Add(inference / marginal);
        }

        static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        Console.WriteLine(
            $"{what}, {tensors.Count} tensors: inference {Median(inferences):F3} ms/sample, "
            + $"MinMax calibration {Median(marginals):F3} ms/sample "
            + $"(batches of {batch}; one sample per run: {Median(oneByOne):F3} ms/sample), throughput ratio {Median(ratios):F2}");
    }
}
