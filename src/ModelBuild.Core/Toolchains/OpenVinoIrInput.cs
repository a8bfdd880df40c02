using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// What an OpenVINO IR input (ModelConverter's <c>input_model: *.xml</c>, Open Model Zoo's <c>framework: dldt</c>) can be
/// compiled for, as ModelConverter's exporters decide it: rvc2 and rvc3 hand the IR straight to <c>compile_tool</c> (and
/// rvc3's POT) without running <c>mo</c>; the openvino target's result is the IR itself, since ovc does not convert IR;
/// SNPE (rvc4) and the Hailo DFC read ONNX or TFLite, never IR.
/// </summary>
internal static class OpenVinoIrInput
{
    /// <summary>Checks the request against those rules before any tool is looked for.</summary>
    /// <exception cref="DiagnosticException">MB6182, MB6183 or MB6184, naming what to do instead; MB6180/MB6181 for a broken
    /// IR.</exception>
    public static void Check(VendorCompileRequest request, VendorPrecisionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(settings);
        var at = request.Stage.InputModel.Source.Location;
        var name = Path.GetFileName(request.ModelPath);
        switch (request.Target.Name)
        {
            case "rvc4" or "hailo":
                throw new DiagnosticException(OpenVinoIrDiagnostics.NeedsOnnx.Create(
                    at,
                    name,
                    $"target '{request.Target.Name}' ({(request.Target.Name == "rvc4" ? "SNPE" : "the Hailo DFC")}, directly or through " +
                        "ModelConverter)",
                    "Give the ONNX (or .tflite) model the IR was made from, or compile the IR for rvc2, rvc3 or openvino."));
            case "openvino" when settings.NeedsQuantizedModel:
                throw new DiagnosticException(OpenVinoIrDiagnostics.NeedsOnnx.Create(
                    request.PrecisionAt ?? at,
                    name,
                    $"Precision {request.Precision} for target 'openvino' (ModelBuild's quantize step writes the QDQ ONNX model ovc converts)",
                    "Give the ONNX model the IR was made from, or ask for the precision of the IR's weights (FP16 or FP32)."));
            case "openvino":
                var model = OpenVinoIrModel.Read(request.ModelPath);
                if (model.HalfFloatWeights != settings.CompressToFp16)
                {
                    throw new DiagnosticException(OpenVinoIrDiagnostics.WeightsPrecisionMismatch.Create(
                        request.PrecisionAt ?? at, name, model.WeightsPrecision, request.Precision));
                }

                // The openvino target never bakes preprocessing in: the accessor publishes it for the application.
                return;
        }

        if (request.Stage.Conversion.BakePreprocessing?.Value == false)
        {
            return;
        }

        foreach (var input in request.Inputs)
        {
            var asked = new List<string>();
            if (input.MeanValues is { } mean && mean.Value.Any(v => v != 0))
            {
                asked.Add("mean_values");
            }

            if (input.ScaleValues is { } scale && scale.Value.Any(v => v != 1))
            {
                asked.Add("scale_values");
            }

            if (asked.Count > 0)
            {
                throw new DiagnosticException(OpenVinoIrDiagnostics.PreprocessingNotApplied.Create(
                    input.MeanValues?.Location ?? input.ScaleValues?.Location ?? at, input.Name.Value, name, string.Join(" and ", asked)));
            }
        }
    }

    /// <summary>Copies the model to <paramref name="destination"/>; an IR input as its .xml there and its .bin beside it.</summary>
    public static void CopyModel(VendorCompileRequest request, string destination)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.IsOpenVinoIr)
        {
            File.Copy(request.ModelPath, destination);
            return;
        }

        File.Copy(Path.ChangeExtension(request.ModelPath, ".xml"), Path.ChangeExtension(destination, ".xml"));
        File.Copy(Path.ChangeExtension(request.ModelPath, ".bin"), Path.ChangeExtension(destination, ".bin"));
    }
}
