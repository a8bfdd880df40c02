using BenchmarkDotNet.Attributes;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Benchmarks;

/// <summary>Throughput of PaddleOCR's text-orientation classifier through the binding, one image and a batch of eight.</summary>
[MemoryDiagnoser]
[MedianColumn]
public class ClassifierBenchmarks
{
    private ModelSession _session = null!;
    private NamedTensor[] _inputs = null!;

    [Params(1, 8)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _session = new ModelSession(PaddleClassifierModel.Path());
        var random = new Random(1234);
        var pixels = new float[Batch * 3 * 48 * 192];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)((random.NextDouble() * 2) - 1);
        }

        _inputs = [new NamedTensor(_session.Inputs[0].Name, Tensor.Create(pixels, [Batch, 3, 48, 192]))];
    }

    [Benchmark(Description = "classifier Run")]
    public float Classify() => _session.Run(_inputs)[0].Value.AsSpan<float>()[0];

    [GlobalCleanup]
    public void Cleanup() => _session.Dispose();
}
