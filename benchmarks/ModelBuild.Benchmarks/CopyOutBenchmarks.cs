using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ModelBuild.Core.Cache;

namespace ModelBuild.Benchmarks;

/// <summary>
/// The warm path's copy of a cached blob into an output file, with a stamp on record so nothing is hashed on
/// the way in: before (the stamp trusted, the bytes copied as they are) and after (the bytes hashed as they
/// are copied and compared with the digest, <see cref="ContentStore.TryCopyTo"/>).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class CopyOutBenchmarks
{
    private string _root = null!;
    private ModelBuildCache _cache = null!;
    private Sha256Digest _digest;
    private int _file;

    /// <summary>The sample's FP32 model (534,951 bytes), and a 64 MiB model.</summary>
    [Params(534_951, 64 << 20)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "modelbuild-copyout-" + Guid.NewGuid().ToString("N"));
        _cache = ModelBuildCache.Open(Path.Combine(_root, "cache"));
        _digest = _cache.Content.PutAsync(RandomNumberGenerator.GetBytes(Size)).GetAwaiter().GetResult().Digest;
        Directory.CreateDirectory(Path.Combine(_root, "out"));
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Baseline = true, Description = "copy, stamp trusted (before)")]
    public long CopyTrustingStamp()
    {
        using var target = NewOutput();
        using var source = _cache.Content.TryOpen(_digest)!;
        source.CopyTo(target);
        return target.Length;
    }

    [Benchmark(Description = "copy hashed and compared (after)")]
    public long CopyVerified()
    {
        using var target = NewOutput();
        if (!_cache.Content.TryCopyTo(_digest, target))
        {
            throw new InvalidOperationException("The blob was found corrupt.");
        }

        return target.Length;
    }

    // A new file each time, as the output folder's write beside the final name is; deleted when closed.
    private FileStream NewOutput() =>
        new(
            Path.Combine(_root, "out", (_file++ % 4).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            FileMode.Create,
            FileAccess.Write,
            FileShare.None,
            1 << 16,
            FileOptions.DeleteOnClose);
}
