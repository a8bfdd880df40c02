#if MODELBUILD_ONNXRUNTIME && MODELBUILD_IMAGING
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using ModelBuild.Imaging;
using ModelBuild.Imaging.Preprocessing;

namespace ModelBuild.Benchmarks;

/// <summary>
/// The generated typed class of the TextOrientation sample's FP32 classifier against the same work written by hand on
/// <c>InferenceSession</c>: one text-line image, preprocessed by the same <see cref="ImagePreprocessor"/>, run, first score
/// read. Two pairs: the hot-loop path (buffers allocated once, outputs preallocated) and the everyday path (fresh
/// tensors per call). Compiled only with <c>-p:ModelBuildBenchmarkTypedModel=true</c>, which compiles the model.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class TypedModelBenchmarks
{
    private static readonly string[] InputNames = ["x"];
    private static readonly string[] OutputNames = ["softmax_0.tmp_0"];

    private Models.Textcls _model = null!;
    private Models.RunBuffers _buffers = null!;
    private InferenceSession _session = null!;
    private ImagePreprocessor _preprocessor = null!;
    private ImageFrame _image = null!;
    private RunOptions _runOptions = null!;
    private float[] _input = null!;
    private float[] _output = null!;
    private OrtValue _inputValue = null!;
    private OrtValue _outputValue = null!;

    [GlobalSetup]
    public void Setup()
    {
        _image = ImageDecoder.DecodeFile(SampleImage());
        _model = Models.Textcls.Load();
        _buffers = _model.CreateBuffers();
        _session = Models.Textcls.CreateSession();
        _preprocessor = new ImagePreprocessor(Models.Textcls.Inputs[0].ImagePreprocessing);
        _runOptions = new RunOptions();
        _input = new float[_preprocessor.ElementCount];
        _output = new float[2];
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, 3, 48, 192]);
        _outputValue = OrtValue.CreateTensorValueFromMemory(_output, [1, 2]);
    }

    [Benchmark(Baseline = true, Description = "hot loop: InferenceSession.Run by hand")]
    public float ByHandReused()
    {
        _preprocessor.WriteFloat(_image, _input);
        _session.Run(_runOptions, InputNames, [_inputValue], OutputNames, [_outputValue]);
        return _output[0];
    }

    [Benchmark(Description = "hot loop: Predict(image, buffers)")]
    public float TypedReused() => _model.Predict(_image, _buffers).Softmax0Tmp0.Buffer.Span[0];

    [Benchmark(Description = "per call: Run by hand with fresh tensors")]
    public float ByHandFresh()
    {
        var data = _preprocessor.ToFloat(_image).Data;
        using var input = OrtValue.CreateTensorValueFromMemory(data, [1, 3, 48, 192]);
        using var outputs = _session.Run(_runOptions, InputNames, [input], OutputNames);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }

    [Benchmark(Description = "per call: Predict(image)")]
    public float TypedFresh() => _model.Predict(_image).Softmax0Tmp0.Buffer.Span[0];

    [GlobalCleanup]
    public void Cleanup()
    {
        _inputValue.Dispose();
        _outputValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        _buffers.Dispose();
        _model.Dispose();
    }

    /// <summary>
    /// The four paths interleaved, <paramref name="rounds"/> rounds of <paramref name="perRound"/> runs each, so that load
    /// from other processes falls on all of them alike (BenchmarkDotNet measures one after the other); prints each path's
    /// median per-round time per run, its ratio to the baseline, and the bytes it allocates per run on this thread.
    /// </summary>
    public static void RunInterleaved(int rounds = 41, int perRound = 20)
    {
        var benchmarks = new TypedModelBenchmarks();
        benchmarks.Setup();
        (string Name, Func<float> Run)[] paths =
        [
            ("hot loop: InferenceSession.Run by hand", benchmarks.ByHandReused),
            ("hot loop: Predict(image, buffers)", benchmarks.TypedReused),
            ("per call: Run by hand with fresh tensors", benchmarks.ByHandFresh),
            ("per call: Predict(image)", benchmarks.TypedFresh),
        ];
        var times = paths.Select(_ => new List<double>()).ToArray();
        var allocated = new long[paths.Length];
        foreach (var path in paths)
        {
            path.Run();
        }

        for (var round = 0; round < rounds; round++)
        {
            for (var p = 0; p < paths.Length; p++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var watch = System.Diagnostics.Stopwatch.StartNew();
                for (var i = 0; i < perRound; i++)
                {
                    paths[p].Run();
                }

                times[p].Add(watch.Elapsed.TotalMilliseconds / perRound);
                allocated[p] += GC.GetAllocatedBytesForCurrentThread() - before;
            }
        }

        benchmarks.Cleanup();
        var medians = times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
        Console.WriteLine($"{"path",-42} {"median",10} {"ratio",7} {"allocated/run",14}");
        for (var p = 0; p < paths.Length; p++)
        {
            var baseline = medians[p < 2 ? 0 : 2];
            Console.WriteLine(FormattableString.Invariant(
                $"{paths[p].Name,-42} {medians[p],7:F3} ms {medians[p] / baseline,7:F3} {allocated[p] / (rounds * perRound),12:N0} B"));
        }
    }

    private static string SampleImage()
    {
        // Above the app (the repository's artifacts), else above the current directory (another ArtifactsPath).
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var image = Path.Combine(directory.FullName, "samples", "TextOrientation", "images", "hello-world.png");
                if (File.Exists(image))
                {
                    return image;
                }
            }
        }

        throw new FileNotFoundException("The sample image samples/TextOrientation/images/hello-world.png was not found above "
            + AppContext.BaseDirectory + " or " + Environment.CurrentDirectory);
    }
}
#endif
