namespace ModelBuild.Runtime;

/// <summary>What kind of value a model input or output is (ORT's <c>ONNXType</c> numbers).</summary>
public enum OnnxValueKind
{
    /// <summary>Not known.</summary>
    Unknown = 0,

    /// <summary>A dense tensor: the only kind this binding exchanges.</summary>
    Tensor = 1,

    /// <summary>A sequence of values.</summary>
    Sequence = 2,

    /// <summary>A map.</summary>
    Map = 3,

    /// <summary>An opaque, runtime-specific value.</summary>
    Opaque = 4,

    /// <summary>A sparse tensor.</summary>
    SparseTensor = 5,

    /// <summary>An optional value.</summary>
    Optional = 6,
}
