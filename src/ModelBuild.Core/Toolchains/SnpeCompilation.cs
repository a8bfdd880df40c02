using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// RVC4 through Qualcomm SNPE, with ModelConverter's arguments: <c>snpe-onnx-to-dlc</c> (input dims, types,
/// layouts, output names; <c>--float_bitwidth 16</c> for FP16), <c>snpe-dlc-quant</c> with the calibration
/// written as SNPE's raw files and input list (per-channel, and the flags of the quantization mode), then
/// <c>snpe-dlc-graph-prepare</c> for the HTP SoCs. The model must already hold its input preprocessing.
/// </summary>
internal sealed class SnpeCompilation : IDirectCompilation
{
    private static readonly string[] SnpeLayouts
        = ["NCDHW", "NDHWC", "NCHW", "NHWC", "NFC", "NCF", "NTF", "TNF", "NF", "NC", "F", "NONTRIVIAL"];

    public IReadOnlyList<ToolRequirement> Tools(VendorCompileRequest request, VendorPrecisionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Calibrate
            ? [VendorTools.SnpeOnnxToDlc, VendorTools.SnpeDlcQuant, VendorTools.SnpeDlcGraphPrepare]
            : [VendorTools.SnpeOnnxToDlc, VendorTools.SnpeDlcGraphPrepare];
    }

    public void Check(VendorCompileRequest request, VendorPrecisionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(settings);
        if (request.Stage.Vendors.Rvc4.Encodings is not null && settings.QuantizationMode != "FP16_STANDARD")
        {
            throw new DiagnosticException(ToolchainDiagnostics.SettingNotSupported.Create(
                request.PrecisionAt, "rvc4.encodings", "through the toolchain directly", "compile through ModelConverter, which turns " +
                    "them into SNPE's quantization overrides"));
        }

        foreach (var input in request.Inputs.Select(VendorInput.From))
        {
            input.FixedShape("rvc4");
        }
    }

    public async Task<IReadOnlyList<(string Path, VendorOutputKind Kind)>> RunAsync(DirectJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var options = job.Request.Stage.Vendors.Rvc4;
        var mode = job.Settings.QuantizationMode!;
        var custom = mode == "CUSTOM";
        var name = job.Request.ModelName;

        var convert = custom ? new List<string>(options.SnpeOnnxToDlcArgs) : [];
        DirectJob.AddIfAbsent(convert, "-i", job.Model);
        if (!convert.Contains("--input_dim"))
        {
            foreach (var input in job.Inputs)
            {
                convert.AddRange(["--input_dim", input.Name, PythonText.Join(input.FixedShape("rvc4"), ",")]);
            }
        }

        if (!convert.Contains("--input_dtype"))
        {
            foreach (var input in job.Inputs)
            {
                convert.AddRange(["--input_dtype", input.Name, Manifest.TensorDataTypeNames.ToName(input.DataType)]);
            }
        }

        if (!convert.Contains("--out_name"))
        {
            foreach (var output in job.Request.Outputs)
            {
                convert.AddRange(["--out_name", output.Name]);
            }
        }

        if (!convert.Contains("--input_layout"))
        {
            foreach (var input in job.Inputs)
            {
                if (input.Layout is not { } layout)
                {
                    continue;
                }

                layout = layout is "NCD" or "NDC" or "D" ? layout.Replace('D', 'F') : layout;
                if (SnpeLayouts.Contains(layout))
                {
                    convert.AddRange(["--input_layout", input.Name, layout]);
                }
                else
                {
                    job.Workspace.Log.Write($"(layout '{layout}' of input '{input.Name}' is not one SNPE knows; passed without " +
                        $"--input_layout, as ModelConverter does)");
                }
            }
        }

        if (mode == "FP16_STANDARD")
        {
            DirectJob.AddIfAbsent(convert, "--float_bitwidth", "16");
        }

        var run = await job.RunAsync("dlc_convert", VendorTools.SnpeOnnxToDlc, convert, cancellationToken).ConfigureAwait(false);
        var dlc = job.Workspace.Expect(Path.ChangeExtension(job.Model, ".dlc"), job.Tool(VendorTools.SnpeOnnxToDlc), run);
        var graphInput = Path.ChangeExtension(job.Model, ".dlc");

        if (job.Settings.Calibrate)
        {
            var quantize = custom ? new List<string>(options.SnpeDlcQuantArgs) : [];
            if (!quantize.Contains("--input_list"))
            {
                quantize.AddRange(["--input_list", WriteInputList(job)]);
            }

            var quantized = DirectJob.Intermediate($"{name}-quantized.dlc");
            DirectJob.AddIfAbsent(quantize, "--input_dlc", graphInput);
            DirectJob.AddIfAbsent(quantize, "--output_dlc", quantized);

            // INT16_STANDARD never reaches here (it is no ModelBuild precision); ModelConverter skips per-channel for it.
            if (options.UsePerChannelQuantization)
            {
                quantize.Add("--use_per_channel_quantization");
            }

            if (options.UsePerRowQuantization)
            {
                quantize.Add("--use_per_row_quantization");
            }

            switch (mode)
            {
                case "INT8_ACCURACY_FOCUSED":
                    DirectJob.AddIfAbsent(quantize, "--param_quantizer", "enhanced");
                    DirectJob.AddIfAbsent(quantize, "--act_quantizer", "enhanced");
                    break;
                case "INT8_INT16_MIXED_ACCURACY_FOCUSED":
                    DirectJob.AddIfAbsent(quantize, "--param_quantizer", "enhanced");
                    DirectJob.AddIfAbsent(quantize, "--act_quantizer", "enhanced");
                    DirectJob.AddIfAbsent(quantize, "--act_bitwidth", "16");
                    break;
                case "INT8_INT16_MIXED":
                    DirectJob.AddIfAbsent(quantize, "--act_bitwidth", "16");
                    break;
            }

            run = await job.RunAsync("quantization_cmd", VendorTools.SnpeDlcQuant, quantize, cancellationToken).ConfigureAwait(false);
            job.Workspace.Expect(OutputOf(quantize), job.Tool(VendorTools.SnpeDlcQuant), run);
            graphInput = OutputOf(quantize);
        }
        else
        {
            _ = dlc;
        }

        var prepare = custom ? new List<string>(options.SnpeDlcGraphPrepareArgs) : [];
        var socs = prepare.IndexOf("--htp_socs") is var at and >= 0 && at + 1 < prepare.Count
            ? prepare[at + 1].Split(',')
            : [.. options.HtpSocs];
        DirectJob.AddIfAbsent(prepare, "--input_dlc", graphInput);
        DirectJob.AddIfAbsent(prepare, "--output_dlc", DirectJob.Intermediate("prepared", name + ".dlc"));
        DirectJob.AddIfAbsent(prepare, "--set_output_tensors", string.Join(',', job.Request.Outputs.Select(o => o.Name)));
        DirectJob.AddIfAbsent(prepare, "--optimization_level", options.OptimizationLevel.ToString(CultureInfo.InvariantCulture));
        DirectJob.AddIfAbsent(prepare, "--htp_socs", string.Join(',', socs));
        if (mode == "FP16_STANDARD")
        {
            DirectJob.AddIfAbsent(prepare, "--use_float_io");
        }

        Directory.CreateDirectory(job.Workspace.Full(DirectJob.Intermediate("prepared")));
        run = await job.RunAsync("graph_prepare", VendorTools.SnpeDlcGraphPrepare, prepare, cancellationToken).ConfigureAwait(false);
        job.Workspace.Expect(OutputOf(prepare), job.Tool(VendorTools.SnpeDlcGraphPrepare), run);
        job.Details["snpe_version"] = job.VersionOf(VendorTools.SnpeDlcGraphPrepare);
        job.Details["target_devices"] = new JsonArray([.. socs.Select(s => (JsonNode)s)]);
        job.Details["quantization_mode"] = mode;
        return [(OutputOf(prepare), VendorOutputKind.Model)];
    }

    /// <summary>
    /// SNPE's input list: one line per sample, <c>name:=file</c> for each input separated by spaces; images
    /// and .npy data become raw files (height × width × channels in the input's type), .raw files are named as they are.
    /// </summary>
    private static string WriteInputList(DirectJob job)
    {
        var perInput = job.Inputs.Select(
            i => (Input: i, Samples: CalibrationSamples.List(i, job.Request.ManifestDirectory, "through the toolchain directly"))).ToList();
        var counts = perInput.Select(p => p.Samples.Count).Distinct().ToList();
        if (counts.Count > 1)
        {
            var first = perInput[0];
            var other = perInput.First(p => p.Samples.Count != first.Samples.Count);
            throw new DiagnosticException(ToolchainDiagnostics.CalibrationFileUnusable.Create(
                other.Input.CalibrationAt, "(calibration folder)", other.Input.Name, $"it gives {other.Samples.Count} samples but input " +
                    $"'{first.Input.Name}' gives {first.Samples.Count}; every input needs the same number"));
        }

        var rawFolder = DirectJob.Intermediate("raw_files");
        Directory.CreateDirectory(job.Workspace.Full(rawFolder));
        var list = new StringBuilder();
        var number = 0;
        for (var sample = 0; sample < counts[0]; sample++)
        {
            var entries = new List<string>();
            foreach (var (input, samples) in perInput)
            {
                number++;
                var current = samples[sample];
                string file;
                if (current.Kind == CalibrationFileKind.Raw)
                {
                    file = current.File!;
                }
                else
                {
                    file = job.Workspace.Full(Path.Combine(rawFolder, number.ToString(CultureInfo.InvariantCulture) + ".raw"));
                    File.WriteAllBytes(file, CalibrationSamples.RawBytes(current, input, "rvc4"));
                }

                entries.Add($"{input.Name}:={file}");
            }

            list.Append(string.Join(' ', entries)).Append('\n');
        }

        var listPath = DirectJob.Intermediate("img_list.txt");
        job.Workspace.WriteText(listPath, list.ToString());
        return listPath;
    }

    private static string OutputOf(List<string> arguments) => arguments[arguments.IndexOf("--output_dlc") + 1];
}
