using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Tests.Passes;

/// <summary>Runs models built or changed by a test in ONNX Runtime, and compares what comes out.</summary>
internal static class ModelRun
{
    /// <summary>Every output of <paramref name="model"/>, by name, as float32 (float16 outputs are widened).</summary>
    public static Dictionary<string, float[]> Outputs(ModelProto model, params NamedTensor[] inputs)
    {
        using var session = new ModelSession(OnnxModelFile.Write(model));
        return session.Run(inputs).ToDictionary(o => o.Name, o => Floats(o.Value));
    }

    /// <summary>The single output of <paramref name="model"/> as float32.</summary>
    public static float[] Single(ModelProto model, params NamedTensor[] inputs) => Assert.Single(Outputs(model, inputs)).Value;

    public static NamedTensor Input(string name, float[] values, params long[] shape) => new(name, Tensor.Create(values, shape));

    /// <summary>Deterministic values in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static float[] Values(long count, int seed, float low = -1, float high = 1)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, checked((int)count)).Select(_ => low + ((high - low) * (float)random.NextDouble()))];
    }

    public static float[] Floats(Tensor tensor) => tensor.ElementType switch
    {
        TensorElementType.Float => tensor.ToArray<float>(),
        TensorElementType.Float16 => [.. tensor.ToArray<Half>().Select(h => (float)h)],
        TensorElementType.Double => [.. tensor.ToArray<double>().Select(d => (float)d)],
        TensorElementType.Int64 => [.. tensor.ToArray<long>().Select(v => (float)v)],
        _ => throw new InvalidOperationException($"No float view of {tensor.ElementType}."),
    };

    public static double Cosine(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    public static double MaxAbsError(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b).Max(p => Math.Abs((double)p.First - p.Second));
    }

    /// <summary>The operator types of a graph's nodes, in order.</summary>
    public static string[] Ops(ModelProto model) => [.. model.Graph.Node.Select(n => n.OpType)];

    public static TensorProto Initializer(ModelProto model, string name) => model.Graph.Initializer.Single(t => t.Name == name);
}
