using System.Globalization;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// Loads a prepared model in ONNX Runtime: a model ModelBuild wrote must load, and must show
/// ONNX Runtime the input shapes the manifest asked for.
/// </summary>
internal static class RuntimeModelCheck
{
    /// <param name="model">The prepared model.</param>
    /// <param name="signature">What ModelBuild describes the model as.</param>
    /// <param name="overrides">The input shapes the manifest asked for.</param>
    /// <param name="displayName">The source model as diagnostics name it.</param>
    /// <param name="at">The manifest's input_model, where a model ONNX Runtime rejects is reported.</param>
    public static void Check(
        RuntimeModel model,
        OnnxModelSignature signature,
        IReadOnlyList<InputShapeOverride> overrides,
        string displayName,
        SourceLocation? at)
    {
        IReadOnlyList<TensorInfo> inputs;
        try
        {
            using var session = model.Open(new ModelSessionOptions { LogSeverity = RuntimeLogSeverity.Fatal });
            inputs = session.Inputs;
        }
        catch (OnnxRuntimeErrorException e)
        {
            throw new DiagnosticException(
                PipelineDiagnostics.RuntimeRejectedModel.Create(at, OnnxRuntimeLibrary.Version, displayName, e.NativeMessage));
        }

        foreach (var requested in overrides)
        {
            var seen = inputs.FirstOrDefault(i => i.Name == requested.InputName);
            if (seen is null || !seen.Shape.SequenceEqual(requested.Shape))
            {
                throw new DiagnosticException(PipelineDiagnostics.RuntimeShapeDisagrees.Create(
                    requested.Location, requested.InputName, seen?.FormatShape() ?? "missing", Format(requested.Shape)));
            }
        }

        // The signature ModelBuild describes must be the one ONNX Runtime runs.
        if (!inputs.Select(i => i.Name).SequenceEqual(signature.Inputs.Select(i => i.Name)))
        {
            throw new InvalidOperationException(
                $"ONNX Runtime lists the inputs of '{displayName}' as [{string.Join(", ", inputs.Select(i => i.Name))}], ModelBuild as " +
                    $"[{string.Join(", ", signature.InputNames)}].");
        }
    }

    private static string Format(IEnumerable<long> shape) =>
        "[" + string.Join(",", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
