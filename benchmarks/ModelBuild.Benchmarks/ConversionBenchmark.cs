using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;

namespace ModelBuild.Benchmarks;

/// <summary>
/// Conversion costs, measured outside BenchmarkDotNet because peak memory is a property of a whole process:
/// <list type="bullet">
/// <item>FP16 conversion of a generated 100M-parameter model (read, convert, write) against a plain read and
/// write of the same file, each run in a fresh process that reports its wall time and peak resident memory;</item>
/// <item>the simplify pass on PaddleOCR's detector with its input fixed to [1, 3, 640, 640].</item>
/// </list>
/// Run: <c>dotnet run -c Release --project benchmarks/ModelBuild.Benchmarks -- conversion [runs]</c>.
/// </summary>
internal static class ConversionBenchmark
{
    private const int Layers = 25;
    private const int Width = 2000;

    public static void Run(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        var folder = Path.Combine(Path.GetTempPath(), "modelbuild-benchmarks", "conversion");
        Directory.CreateDirectory(folder);
        var model = Path.Combine(folder, "dense-100m.onnx");
        if (!File.Exists(model))
        {
            Generate(model);
        }

        var size = new FileInfo(model).Length;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"model: {Layers} x MatMul [{Width}, {Width}], {Layers * (long)Width * Width:N0} parameters, {size / 1e6:N1} MB"));
        var copy = new List<(double Seconds, long Peak)>();
        var fp16 = new List<(double Seconds, long Peak)>();
        var idle = new List<(double Seconds, long Peak)>();
        for (var i = 0; i < runs; i++)
        {
            // Alternating, so that load on a shared machine falls on both alike.
            copy.Add(Child("copy", model, Path.Combine(folder, "copy.onnx")));
            fp16.Add(Child("fp16", model, Path.Combine(folder, "fp16.onnx")));
            idle.Add(Child("idle", model, ""));
        }

        var copyTime = Median(copy.Select(r => r.Seconds));
        var fp16Time = Median(fp16.Select(r => r.Seconds));
        var idlePeak = Median(idle.Select(r => (double)r.Peak));
        var fp16Peak = Median(fp16.Select(r => (double)r.Peak));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"read + write: median {copyTime:0.000} s, peak {Median(copy.Select(r => (double)r.Peak)) / 1e6:N0} MB"));
        Console.WriteLine(
            string.Create(CultureInfo.InvariantCulture, $"read + FP16 + write: median {fp16Time:0.000} s, peak {fp16Peak / 1e6:N0} MB"));
        Console.WriteLine(
            string.Create(CultureInfo.InvariantCulture, $"idle process (runtime and ONNX Runtime loaded): peak {idlePeak / 1e6:N0} MB"));
        Console.WriteLine(
            string.Create(CultureInfo.InvariantCulture, $"FP16 time / read+write time: {fp16Time / copyTime:0.00} (goal <= 2)"));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"FP16 peak / model size: {fp16Peak / size:0.00} (goal <= 3); above the idle process: {(fp16Peak - idlePeak) / size:0.00}"));

        var detector = PaddleClassifierModel.Path("ch_PP-OCRv4_det_infer.onnx");
        var shaped = new InputShapePass([new InputShapeOverride("x", [1, 3, 640, 640])]).Apply(
            OnnxModelFile.Read(detector),
            new DiagnosticBag())!;
        var times = new List<double>();
        var nodes = 0;
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            nodes = new SimplifyPass().Apply(shaped, new DiagnosticBag())!.Graph.Node.Count;
            times.Add(clock.Elapsed.TotalSeconds);
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"simplify PP-OCRv4 detector [1,3,640,640]: median {Median(times):0.000} s, {shaped.Graph.Node.Count} -> {nodes} nodes"));
    }

    /// <summary>The measured work of one child process; prints its wall time and peak resident memory.</summary>
    public static void RunChild(string[] args)
    {
        var (mode, input, output) = (args[0], args[1], args[2]);

        // ONNX Runtime is loaded in every mode, so the idle process shows what the runtime costs by itself.
        _ = ModelBuild.Core.Sessions.OnnxRuntimeLibrary.Version;
        var clock = Stopwatch.StartNew();
        if (mode != "idle")
        {
            var model = OnnxModelFile.Read(input);
            if (mode == "fp16")
            {
                model = new Float16Pass(Float16Options.Default).Apply(model, new DiagnosticBag())!;
            }

            using var stream = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            OnnxModelFile.Write(model, stream);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds} {PeakResidentBytes()}"));
    }

    private static (double Seconds, long Peak) Child(string mode, string input, string output)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ConversionBenchmark).Assembly.Location);
        }

        foreach (var argument in new[] { "conversion-child", mode, input, output })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var line = process.StandardOutput.ReadToEnd().Trim().Split('\n')[^1].Split(' ');
        process.WaitForExit();
        return process.ExitCode == 0
            ? (double.Parse(line[0], CultureInfo.InvariantCulture), long.Parse(line[1], CultureInfo.InvariantCulture))
            : throw new InvalidOperationException($"The {mode} run failed with exit code {process.ExitCode}.");
    }

    /// <summary>VmHWM from /proc on Linux; the process's peak working set elsewhere.</summary>
    private static long PeakResidentBytes()
    {
        if (File.Exists("/proc/self/status"))
        {
            var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }

        return Process.GetCurrentProcess().PeakWorkingSet64;
    }

    /// <summary>x: float[1, 2000] through 25 MatMul + Relu layers of random weights: 100M parameters, 400 MB.</summary>
    private static void Generate(string path)
    {
        var builder = new OnnxGraphBuilder("dense").Input("x", TensorProto.Types.DataType.Float, 1, Width);
        var random = new Random(42);
        var current = "x";
        for (var layer = 0; layer < Layers; layer++)
        {
            var weights = new float[Width * Width];
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = (float)((random.NextDouble() - 0.5) * 0.05);
            }

            var tensor = new TensorProto
            {
                Name = $"w{layer}",
                DataType = (int)TensorProto.Types.DataType.Float,
                RawData = UnsafeByteOperations.UnsafeWrap(MemoryMarshal.AsBytes(weights.AsSpan()).ToArray())
            };
            tensor.Dims.Add([Width, Width]);
            builder.Initializer(tensor)
                .Node("MatMul", [current, $"w{layer}"], [$"m{layer}"])
                .Node("Relu", [$"m{layer}"], [$"r{layer}"]);
            current = $"r{layer}";
        }

        var model = builder.Node("Identity", [current], ["y"]).Output("y", TensorProto.Types.DataType.Float, 1, Width).Build();
        using var stream = File.Create(path);
        OnnxModelFile.Write(model, stream);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
