using System.Globalization;
using System.Text;
using ModelBuild.Core.Manifest;
using ModelBuild.Imaging.Preprocessing;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// Writes the ModelConverter config a manifest implies for one target and precision: a flat config with
/// the prepared model, every input (shape, layout, data type, mean, scale, encoding, calibration), the
/// outputs, and the target's section with the precision already applied (<c>compress_to_fp16</c>,
/// <c>disable_calibration</c>, <c>quantization_mode</c>). Only the target's section is written; the others
/// do not affect its conversion.
/// </summary>
public static class ModelConverterConfig
{
    /// <summary>The config text.</summary>
    /// <param name="request">The compile.</param>
    /// <param name="settings">The precision in the vendor's terms.</param>
    /// <param name="modelPath">What <c>input_model</c> says.</param>
    /// <param name="calibrationPath">Turns an input's calibration folder into what <c>calibration.path</c> says.</param>
    public static string Write(
        VendorCompileRequest request,
        VendorPrecisionSettings settings,
        string modelPath,
        Func<VendorInput, ImageCalibration, string> calibrationPath)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(calibrationPath);
        var yaml = new StringBuilder();
        yaml.Append("# ModelConverter config written by ModelBuild for target ").Append(request.Target.Name).Append(", Precision ")
            .Append(request.Precision)
            .Append('\n');
        Line(yaml, 0, "name", Quote(request.ModelName));
        Line(yaml, 0, "input_model", Quote(modelPath));
        Line(yaml, 0, "onnx_simplification", request.Stage.OnnxSimplification.Value switch
        {
            OnnxSimplifier.Onnxsim => "onnxsim",
            OnnxSimplifier.Onnxslim => "onnxslim",
            _ => "false",
        });
        if (request.Stage.NotApplied.OnnxOptimizations is { } optimizations && optimizations != OnnxOptimizations.All)
        {
            yaml.Append("onnx_optimizations:\n");
            Line(yaml, 1, "fuse_add_mul_to_bn", Bool(optimizations.FuseAddMulToBn));
            Line(yaml, 1, "fuse_comb_add_mul_to_conv", Bool(optimizations.FuseCombAddMulToConv));
            Line(yaml, 1, "fuse_single_add_mul_to_conv", Bool(optimizations.FuseSingleAddMulToConv));
            Line(yaml, 1, "fuse_split_concat_to_conv", Bool(optimizations.FuseSplitConcatToConv));
            Line(yaml, 1, "substitute_sub_with_add", Bool(optimizations.SubstituteSubWithAdd));
            Line(yaml, 1, "substitute_div_with_mul", Bool(optimizations.SubstituteDivWithMul));
        }

        yaml.Append("inputs:\n");
        foreach (var input in request.Inputs.Select(VendorInput.From))
        {
            yaml.Append("  - name: ").Append(Quote(input.Name)).Append('\n');
            if (input.Shape is { } shape && shape.All(d => d is > 0))
            {
                Line(yaml, 2, "shape", "[" + PythonText.Join(shape.Select(d => d!.Value), ", ") + "]");
            }

            if (input.Layout is { } layout)
            {
                Line(yaml, 2, "layout", layout);
            }

            Line(yaml, 2, "data_type", input.DataType.ToName());
            if (input.Mean is { } mean)
            {
                Line(yaml, 2, "mean_values", Numbers(mean));
            }

            if (input.Scale is { } scale)
            {
                Line(yaml, 2, "scale_values", Numbers(scale));
            }

            Line(
                yaml,
                2,
                "encoding",
                $"{{from: {ColorEncodingNames.NameOf(input.Encoding.From)}, to: {ColorEncodingNames.NameOf(input.Encoding.To)}}}");
            if (settings.Calibrate)
            {
                Line(yaml, 2, "calibration", input.Calibration switch
                {
                    // PAD_RIGHT is ModelBuild's own; ModelConverter knows only the other three.
                    ImageCalibration { ResizeMethod: ResizeMethod.PadRight } => throw new Diagnostics.DiagnosticException(
                        ToolchainDiagnostics.SettingNotSupported.Create(
                            input.CalibrationAt,
                            "calibration resize_method PAD_RIGHT",
                            "through ModelConverter",
                            "ModelConverter resizes with RESIZE, CROP or PAD; use the toolchain route (ModelBuildVendorRoute=toolchain)")),
                    ImageCalibration images => $"{{path: {Quote(calibrationPath(input, images))}, max_images: " +
                        $"{images.MaxImages.ToString(CultureInfo.InvariantCulture)}, resize_method: " +
                            $"{ResizeMethodNames.NameOf(images.ResizeMethod)}}}",
                    RandomCalibration random => $"{{max_images: {random.MaxImages.ToString(CultureInfo.InvariantCulture)}, min_value: " +
                        $"{Number(random.MinValue)}, max_value: {Number(random.MaxValue)}, mean: {Number(random.Mean)}, std: " +
                            $"{Number(random.Std)}, data_type: {random.DataType.ToName()}}}",
                    _ => throw new Diagnostics.DiagnosticException(ToolchainDiagnostics.SettingNotSupported.Create(
                        input.CalibrationAt, "calibration (link to another stage)", "through ModelConverter", "multi-stage models are " +
                            "compiled one stage at a time"))
                });
            }

            if (input.FrozenValue is { } frozen)
            {
                Line(yaml, 2, "frozen_value", Flow(frozen));
            }
        }

        yaml.Append("outputs:\n");
        foreach (var output in request.Outputs)
        {
            yaml.Append("  - name: ").Append(Quote(output.Name)).Append('\n');
        }

        var vendors = request.Stage.Vendors;
        yaml.Append(request.Target.Name).Append(":\n");
        switch (request.Target.Name)
        {
            case "rvc2":
                Line(yaml, 1, "disable_calibration", Bool(vendors.Rvc2.DisableCalibration));
                Line(yaml, 1, "mo_args", Texts(vendors.Rvc2.MoArgs));
                Line(yaml, 1, "compile_tool_args", Texts(vendors.Rvc2.CompileToolArgs));
                Line(yaml, 1, "compress_to_fp16", Bool(settings.CompressToFp16));
                Line(yaml, 1, "number_of_shaves", Int(vendors.Rvc2.NumberOfShaves));
                Line(yaml, 1, "superblob", Bool(vendors.Rvc2.Superblob));
                if (vendors.Rvc2.Workers is { } workers)
                {
                    Line(yaml, 1, "n_workers", Int(workers));
                }

                break;
            case "rvc3":
                Line(yaml, 1, "disable_calibration", Bool(!settings.Calibrate));
                Line(yaml, 1, "mo_args", Texts(vendors.Rvc3.MoArgs));
                Line(yaml, 1, "compile_tool_args", Texts(vendors.Rvc3.CompileToolArgs));
                Line(yaml, 1, "compress_to_fp16", Bool(settings.CompressToFp16));
                Line(yaml, 1, "pot_target_device", vendors.Rvc3.PotTargetDevice);
                break;
            case "rvc4":
                var rvc4 = vendors.Rvc4;
                Line(yaml, 1, "disable_calibration", Bool(!settings.Calibrate));
                Line(yaml, 1, "snpe_onnx_to_dlc_args", Texts(rvc4.SnpeOnnxToDlcArgs));
                Line(yaml, 1, "snpe_dlc_quant_args", Texts(rvc4.SnpeDlcQuantArgs));
                Line(yaml, 1, "snpe_dlc_graph_prepare_args", Texts(rvc4.SnpeDlcGraphPrepareArgs));
                Line(yaml, 1, "keep_raw_images", Bool(rvc4.KeepRawImages));
                Line(yaml, 1, "use_per_channel_quantization", Bool(rvc4.UsePerChannelQuantization));
                Line(yaml, 1, "use_per_row_quantization", Bool(rvc4.UsePerRowQuantization));
                Line(yaml, 1, "optimization_level", Int(rvc4.OptimizationLevel));
                Line(yaml, 1, "quantization_mode", settings.QuantizationMode!);
                Line(yaml, 1, "htp_socs", "[" + string.Join(", ", rvc4.HtpSocs) + "]");
                if (rvc4.Encodings is { } encodings)
                {
                    Line(yaml, 1, "encodings", Flow(encodings));
                }

                break;
            case "hailo":
                var hailo = vendors.Hailo;
                Line(yaml, 1, "disable_calibration", Bool(!settings.Calibrate));
                Line(yaml, 1, "force_onnx_names", Bool(hailo.ForceOnnxNames));
                Line(yaml, 1, "optimization_level", Int(hailo.OptimizationLevel));
                Line(yaml, 1, "compression_level", Int(hailo.CompressionLevel));
                Line(yaml, 1, "batch_size", Int(hailo.BatchSize));
                Line(yaml, 1, "disable_compilation", Bool(hailo.DisableCompilation));
                Line(yaml, 1, "alls", Texts(hailo.Alls));
                Line(yaml, 1, "hw_arch", hailo.HwArch);
                break;
            default:
                // openvino is not a ModelConverter target; the toolchain route keys its options with this text too.
                yaml.Length -= request.Target.Name.Length + 2;
                break;
        }

        return yaml.ToString();
    }

    /// <summary>A YAML double-quoted scalar (backslash, quote and control characters escaped).</summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var quoted = new StringBuilder("\"");
        foreach (var c in text)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                _ when char.IsControl(c) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }

    /// <summary>A manifest node in YAML flow style, scalars as written.</summary>
    public static string Flow(ManifestNode node) => node switch
    {
        ManifestScalar scalar => scalar.IsQuoted ? Quote(scalar.Text) : scalar.IsNull ? "null" : scalar.Text,
        ManifestSequence sequence => "[" + string.Join(", ", sequence.Items.Select(Flow)) + "]",
        ManifestMapping mapping => "{" + string.Join(", ", mapping.Entries.Select(e => Quote(e.Key.Text) + ": " + Flow(e.Value))) + "}",
        _ => throw new ArgumentException("Unknown node.", nameof(node)),
    };

    private static void Line(StringBuilder yaml, int depth, string key, string value) =>
        yaml.Append(' ', depth * 2).Append(key).Append(": ").Append(value).Append('\n');

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Numbers(IEnumerable<double> values) => "[" + string.Join(", ", values.Select(Number)) + "]";

    private static string Texts(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Quote)) + "]";
}
