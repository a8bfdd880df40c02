using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/ModelBuild.Benchmarks -- --filter '*'
// Reports go to benchmarks/results/ (ignored by git) when run inside the repository.
// "conversion" runs the conversion measurements (ConversionBenchmark), which need fresh processes.
if (args is ["conversion", .. var conversionArgs])
{
    ModelBuild.Benchmarks.ConversionBenchmark.Run(conversionArgs);
    return;
}

if (args is ["conversion-child", .. var childArgs])
{
    ModelBuild.Benchmarks.ConversionBenchmark.RunChild(childArgs);
    return;
}

// dotnet run -c Release --project benchmarks/ModelBuild.Benchmarks -- quantize-classifier: INT8 end to end, in a process of its own.
if (args is ["quantize-classifier"])
{
    ModelBuild.Benchmarks.ClassifierQuantizationRun.Run();
    return;
}

// dotnet run -c Release --project benchmarks/ModelBuild.Benchmarks -- calibration-throughput: MinMax's cost per sample against inference's.
if (args is ["calibration-sweep"])
{
    ModelBuild.Benchmarks.CalibrationThroughput.Sweep();
    return;
}

if (args is ["calibration-throughput"])
{
    ModelBuild.Benchmarks.CalibrationThroughput.Run();
    return;
}

#if MODELBUILD_ONNXRUNTIME && MODELBUILD_IMAGING
// With -p:ModelBuildBenchmarkTypedModel=true: the typed model class against InferenceSession.Run, interleaved.
if (args is ["typed-overhead"])
{
    ModelBuild.Benchmarks.TypedModelBenchmarks.RunInterleaved();
    return;
}
#endif

var config = DefaultConfig.Instance.WithArtifactsPath(ResultsFolder());
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);

static string ResultsFolder()
{
    for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "ModelBuild.sln")))
        {
            return Path.Combine(directory.FullName, "benchmarks", "results");
        }
    }

    return Path.Combine(Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts");
}
