namespace ModelBuild.Runtime;

/// <summary>The file format ONNX Runtime saves an optimized model in.</summary>
public enum OptimizedModelFormat
{
    /// <summary>Standard ONNX protobuf (portable when the optimization level is <see cref="GraphOptimizationLevel.Basic"/>).</summary>
    Onnx,

    /// <summary>ONNX Runtime's own flatbuffer format (<c>.ort</c>), for minimal and mobile runtimes.</summary>
    Ort,
}
