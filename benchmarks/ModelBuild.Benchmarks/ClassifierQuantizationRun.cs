using System.Diagnostics;
using System.Globalization;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Quantization.Operators;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Tensors;

namespace ModelBuild.Benchmarks;

/// <summary>
/// End to end in a process of its own, so its peak resident memory is its own: the classifier quantized from
/// 100 PNG text lines (decoded, preprocessed, calibrated, quantized, measured), its wall time and peak
/// memory, and the model sizes. Run: <c>dotnet run -c Release --project benchmarks/ModelBuild.Benchmarks -- quantize-classifier</c>.
/// </summary>
internal static class ClassifierQuantizationRun
{
    private const int Images = 100;

    public static void Run()
    {
        var folder = Path.Combine(Path.GetTempPath(), "modelbuild-benchmarks", "classifier-lines");
        MakeLines(folder);
        var model = QuantizationBenchmarks.Classifier();
        var feed = new ImageFeed("NCHW", ColorEncoding.Bgr, [127.5f], [127.5f]);
        var input = new CalibrationInput(
            "x",
            TensorElementType.Float,
            [1, 3, 48, 192],
            new ImageCalibration(new Located<string>(folder, new("benchmark"))),
            feed,
            folder);

        var clock = Stopwatch.StartNew();
        var data = CalibrationDataset.Open([input]);
        var result = new Quantizer(new QuantizationOptions()).Quantize(model, data, "classifier");
        clock.Stop();

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"classifier FP32-INT8 from {Images} PNG lines: {clock.Elapsed.TotalSeconds:0.00} s end to end, peak resident memory " +
                $"{process.PeakWorkingSet64 / (1 << 20)} MiB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model size: FP32 {result.Report.FloatModelBytes:N0} bytes, INT8 {OnnxModelFile.Write(result.Model).Length:N0} bytes; top-1 " +
                $"agreement on {result.Report.EvaluationSamples} samples {result.Report.Outputs[0].Top1Agreement:P1}"));

        // The calibration phase alone (prepared model, the quantizer's tensors, the same 100 lines), in batches and one sample per run.
        var options = new QuantizationOptions();
        var prepared = QuantizationPreprocessor.Prepare(model, options, []);
        var types = GraphValueTypes.Infer(prepared);
        var opTypes = options.EffectiveOpTypes.Where(t => OperatorQuantizerRegistry.Find(t) is not null).ToHashSet(StringComparer.Ordinal);
        var tensors = Quantizer.CalibrationTensors(prepared, types, opTypes, []);
        foreach (var batch in new[] { SampleBatches.DefaultMaxBatchSize, 1, SampleBatches.DefaultMaxBatchSize, 1 })
        {
            var runner = new CalibrationRunner(prepared, data, types: types, maxBatchSize: batch);
            clock.Restart();
            runner.CollectMinMax(tensors);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"calibration alone, at most {batch} per run: {clock.Elapsed.TotalSeconds:0.00} s (batches of {runner.LastBatchSize}, " +
                    $"{runner.SamplesRunAgain} samples run again)"));
        }
    }

    private static void MakeLines(string folder)
    {
        Directory.CreateDirectory(folder);
        string[] words
            = ["invoice", "total", "amount", "paid", "receipt", "order", "number", "date", "customer", "address", "street", "city"];
        Parallel.For(0, Images, i =>
        {
            var path = Path.Combine(folder, i.ToString("D4", CultureInfo.InvariantCulture) + ".png");
            if (File.Exists(path))
            {
                return;
            }

            var start = new ProcessStartInfo("convert") { RedirectStandardError = true };
            foreach (var argument in new[] {
                "-background",
                "white",
                "-fill",
                "black",
                "-size",
                "312x40",
                "-gravity",
                "center",
                $"label:{words[i % words.Length]} {words[(i * 7) % words.Length]} {i * 37 % 1000}",
                "-extent",
                "320x48",
                "-rotate",
                i % 2 == 0 ? "0" : "180",
                path })
            {
                start.ArgumentList.Add(argument);
            }

            using var convert = Process.Start(start) ?? throw new InvalidOperationException("ImageMagick's convert did not start.");
            convert.WaitForExit();
        });
    }
}
