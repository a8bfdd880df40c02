using Microsoft.ML.OnnxRuntime;

namespace ModelBuild.Core.Sessions;

/// <summary>
/// An output of a run in ONNX Runtime's own memory, read in place (e.g. with
/// <see cref="OrtValue.GetTensorDataAsSpan{T}"/>): valid only inside the visitor that received it.
/// </summary>
/// <param name="Name">The output's name.</param>
/// <param name="Value">ONNX Runtime's value; the session releases it when the visitor returns.</param>
public readonly record struct OutputValue(string Name, OrtValue Value);
