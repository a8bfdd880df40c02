using ModelBuild.Core.Onnx;

namespace ModelBuild.Core.Pipeline;

/// <summary>Element type names as apps see them: NumPy's (float32, float64, uint8...), which .NET users also know from ONNX tooling.</summary>
internal static class TensorElementNames
{
    public static string NumPyName(int onnxElementType) => OnnxElementType.Name(onnxElementType) switch
    {
        "float" => "float32",
        "double" => "float64",
        var name => name,
    };
}
