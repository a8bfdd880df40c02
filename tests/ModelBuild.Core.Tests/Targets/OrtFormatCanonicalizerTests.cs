using ModelBuild.Core.Onnx;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Targets;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Passes;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Tests.Targets;

public sealed class OrtFormatCanonicalizerTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>TinyConvNet written by ONNX Runtime in its own format (basic optimizations).</summary>
    private byte[] OrtFormat()
    {
        var path = _folder.Combine("tiny.ort");
        using (new ModelSession(TinyConvNet.Bytes(), new ModelSessionOptions
        {
            OptimizationLevel = GraphOptimization.Basic,
            OptimizedModelFilePath = path,
            SaveAsOrtFormat = true,
        }))
        {
        }

        return File.ReadAllBytes(path);
    }

    [Fact]
    public void The_canonical_file_keeps_every_kernel_type_entry_and_runs_like_ONNX_Runtimes_own()
    {
        var original = OrtFormat();

        var canonical = OrtFormatCanonicalizer.Canonicalize(original);

        var entries = OrtFormatCanonicalizer.ResolverEntries(original);
        Assert.NotEmpty(entries);
        Assert.Contains(entries, e => e.StartsWith(":Conv:", StringComparison.Ordinal));
        Assert.Equal(entries, OrtFormatCanonicalizer.ResolverEntries(canonical));
        Assert.Equal("ORTM"u8.ToArray(), canonical[4..8]);

        var image = TinyConvNet.SampleInput(batch: 1);
        Assert.Equal(TinyConvNet.Run(original, image, 1), TinyConvNet.Run(canonical, image, 1));
        Assert.True(ModelRun.MaxAbsError(TinyConvNet.Run(TinyConvNet.Bytes(), image, 1), TinyConvNet.Run(canonical, image, 1)) < 1e-5);
    }

    [Fact]
    public void Canonicalizing_is_idempotent()
    {
        var canonical = OrtFormatCanonicalizer.Canonicalize(OrtFormat());

        Assert.Equal(canonical, OrtFormatCanonicalizer.Canonicalize(canonical));
    }

    [Fact]
    public void Something_that_is_not_an_ORT_model_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => OrtFormatCanonicalizer.Canonicalize(OnnxModelFile.Write(TinyConvNet.Build())));
        Assert.Throws<InvalidDataException>(() => OrtFormatCanonicalizer.Canonicalize([1, 2, 3]));
    }
}
