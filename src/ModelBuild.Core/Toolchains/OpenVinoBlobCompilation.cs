using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Imaging.Preprocessing;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// RVC2 and RVC3 through OpenVINO 2022.3, with ModelConverter's arguments: <c>mo</c> turns the ONNX model
/// into IR with the input shape, type, mean, scale and channel flip baked in; RVC2 compiles it with
/// <c>compile_tool -d MYRIAD -ip U8</c> and a config of <c>MYRIAD_NUMBER_OF_SHAVES</c> =
/// <c>MYRIAD_NUMBER_OF_CMX_SLICES</c>, and for a superblob once per SHAVE count 1..16 with <c>bsdiff</c>
/// patches against the 8-SHAVE blob; RVC3 quantizes with POT (DefaultQuantization, preset performance,
/// stat_subset_size 300) and compiles with <c>compile_tool -d VPUX.3400 -ip U8</c>.
/// </summary>
internal sealed class OpenVinoBlobCompilation : IDirectCompilation
{
    /// <summary>The order ModelConverter compiles superblob patches in (8 is the base blob).</summary>
    public static readonly int[] PatchShaves = [1, 16, 2, 15, 3, 14, 4, 13, 5, 12, 6, 11, 7, 10, 9];

    public IReadOnlyList<ToolRequirement> Tools(VendorCompileRequest request, VendorPrecisionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(settings);
        // An IR input is compiled as it is, as ModelConverter's exporters do: no mo.
        var tools = request.IsOpenVinoIr
            ? new List<ToolRequirement> { VendorTools.CompileTool }
            : new List<ToolRequirement> { VendorTools.ModelOptimizer, VendorTools.CompileTool };
        if (request.Target.Name == "rvc2" && request.Stage.Vendors.Rvc2.Superblob)
        {
            tools.Add(VendorTools.Bsdiff);
        }

        if (request.Target.Name == "rvc3" && settings.Calibrate)
        {
            tools.Add(VendorTools.PostTrainingOptimization);
        }

        return tools;
    }

    public void Check(VendorCompileRequest request, VendorPrecisionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(settings);
        var inputs = request.Inputs.Select(VendorInput.From).ToList();
        foreach (var input in inputs)
        {
            input.FixedShape(request.Target.Name);
            OpenVinoType(input);
            if (input.FrozenValue is not null)
            {
                throw Unsupported(request, "inputs[].frozen_value", "freeze the input in the model instead");
            }
        }

        var flips = inputs.Count(i => i.FlipsChannels);
        if (!request.IsOpenVinoIr && flips > 0 && flips < inputs.Count)
        {
            throw Unsupported(
                request,
                "an encoding that flips the channels of some inputs but not others",
                "mo's --reverse_input_channels flips every input; compile through ModelConverter, which edits the ONNX model instead");
        }

        if (request.Target.Name == "rvc3" && settings.Calibrate && inputs.Count > 1)
        {
            throw new DiagnosticException(ToolchainDiagnostics.RouteCannotCompile.Create(
                request.PrecisionAt, "rvc3", "through the toolchain directly", $"INT8 through POT takes models with one input (this one " +
                    $"has {inputs.Count}), as in ModelConverter"));
        }
    }

    public async Task<IReadOnlyList<(string Path, VendorOutputKind Kind)>> RunAsync(DirectJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var rvc2 = job.Target == "rvc2";
        string xml;
        if (job.Request.IsOpenVinoIr)
        {
            xml = job.Model;
            job.Details["input_file_type"] = "IR";
        }
        else
        {
            xml = await ModelOptimizerAsync(
                job,
                rvc2 ? job.Request.Stage.Vendors.Rvc2.MoArgs : job.Request.Stage.Vendors.Rvc3.MoArgs,
                cancellationToken).ConfigureAwait(false);
            job.Details["model_optimizer_version"] = ModelOptimizerVersion(job.VersionOf(VendorTools.ModelOptimizer));
        }

        var (version, build) = CompileToolVersion(job.VersionOf(VendorTools.CompileTool));
        job.Details["compile_tool_version"] = version;
        job.Details["compile_tool_build"] = build;

        var device = rvc2 ? "MYRIAD" : "VPUX.3400";
        job.Details["target_devices"] = new JsonArray(device);
        if (!rvc2 && job.Settings.Calibrate)
        {
            xml = await QuantizeAsync(job, xml, cancellationToken).ConfigureAwait(false);
        }

        var arguments = new List<string>(
            rvc2 ? job.Request.Stage.Vendors.Rvc2.CompileToolArgs : job.Request.Stage.Vendors.Rvc3.CompileToolArgs);
        DirectJob.AddIfAbsent(arguments, "-d", device);
        if (!arguments.Contains("-iop"))
        {
            DirectJob.AddIfAbsent(arguments, "-ip", "U8");
        }

        arguments.AddRange(["-m", xml]);
        if (!rvc2)
        {
            var blob = DirectJob.Intermediate($"{job.Request.ModelName}-rvc3{(job.Settings.Calibrate ? "-int8" : string.Empty)}.blob");
            DirectJob.AddIfAbsent(arguments, "-o", blob);
            var run = await job.RunAsync("compile_tool", VendorTools.CompileTool, arguments, cancellationToken).ConfigureAwait(false);
            job.Workspace.Expect(OutputOf(arguments), job.Tool(VendorTools.CompileTool), run);
            return [(OutputOf(arguments), VendorOutputKind.Model)];
        }

        var options = job.Request.Stage.Vendors.Rvc2;
        job.Details["is_superblob"] = options.Superblob;
        job.Details["number_of_shaves"] = options.Superblob
            ? new JsonArray([.. Enumerable.Range(1, 16).Select(n => (JsonNode)n)])
            : options.NumberOfShaves;
        job.Details["number_of_cmx_slices"] = options.Superblob ? SuperblobFile.BaseShaves : options.NumberOfShaves;
        if (!options.Superblob)
        {
            DirectJob.AddIfAbsent(arguments, "-o", DirectJob.Intermediate($"{job.Request.ModelName}-rvc2.blob"));
            DirectJob.AddIfAbsent(arguments, "-c", WriteMyriadConfig(job, options.NumberOfShaves));
            var run = await job.RunAsync("compile_tool", VendorTools.CompileTool, arguments, cancellationToken).ConfigureAwait(false);
            job.Workspace.Expect(OutputOf(arguments), job.Tool(VendorTools.CompileTool), run);
            return [(OutputOf(arguments), VendorOutputKind.Model)];
        }

        return [(await SuperblobAsync(job, arguments, cancellationToken).ConfigureAwait(false), VendorOutputKind.Model)];
    }

    /// <summary>The text of compile_tool's <c>-c</c> file for <paramref name="shaves"/> SHAVEs (OpenVINO 2022.3's keys, as ModelConverter
    /// writes them).</summary>
    public static string MyriadConfig(int shaves) => string.Create(CultureInfo.InvariantCulture,
        $"MYRIAD_ENABLE_MX_BOOT NO\nMYRIAD_NUMBER_OF_SHAVES {shaves}\nMYRIAD_NUMBER_OF_CMX_SLICES {shaves}\nMYRIAD_THROUGHPUT_STREAMS 1\n");

    private static async Task<string> ModelOptimizerAsync(DirectJob job, IReadOnlyList<string> moArgs, CancellationToken cancellationToken)
    {
        var arguments = new List<string>(moArgs);
        DirectJob.AddIfAbsent(arguments, "--output_dir", VendorWorkspace.Intermediate);
        DirectJob.AddIfAbsent(arguments, "--output", string.Join(',', job.Request.Outputs.Select(o => o.Name)));
        if (job.Settings.CompressToFp16)
        {
            DirectJob.AddIfAbsent(arguments, "--compress_to_fp16");
        }

        if (!arguments.Contains("--input"))
        {
            arguments.AddRange(["--input", string.Join(
                ',',
                job.Inputs.Select(i => $"{i.Name}[{PythonText.Join(i.FixedShape(job.Target), " ")}]{{{OpenVinoType(i)}}}"))]);
        }

        var colour = job.Inputs.Where(i => i.IsColor).ToList();
        var mean = string.Join(
            ',',
            colour.Where(i => i.Mean is not null).Select(i => $"{i.Name}[{string.Join(',', i.Mean!.Select(PythonText.Number))}]"));
        var scale = string.Join(
            ',',
            colour.Where(i => i.Scale is not null).Select(i => $"{i.Name}[{string.Join(',', i.Scale!.Select(PythonText.Number))}]"));
        if (mean.Length > 0)
        {
            arguments.AddRange(["--mean_values", mean]);
        }

        if (scale.Length > 0)
        {
            arguments.AddRange(["--scale_values", scale]);
        }

        if (job.Inputs.Any(i => i.FlipsChannels))
        {
            arguments.Add("--reverse_input_channels");
        }

        DirectJob.AddIfAbsent(arguments, "--input_model", job.Model);
        var run = await job.RunAsync("model_optimizer", VendorTools.ModelOptimizer, arguments, cancellationToken).ConfigureAwait(false);
        var xml = DirectJob.Intermediate(job.Request.ModelName + ".xml");
        job.Workspace.Expect(xml, job.Tool(VendorTools.ModelOptimizer), run);
        job.Workspace.Expect(Path.ChangeExtension(xml, ".bin"), job.Tool(VendorTools.ModelOptimizer), run);
        return xml;
    }

    /// <summary>POT with ModelConverter's config; the calibration images are written as BMP files OpenCV reads back byte for
    /// byte.</summary>
    private static async Task<string> QuantizeAsync(DirectJob job, string xml, CancellationToken cancellationToken)
    {
        var input = job.Inputs[0];
        var folder = DirectJob.Intermediate("calibration_images");
        Directory.CreateDirectory(job.Workspace.Full(folder));
        var (height, width, channels) = input.ImageSize(job.Target, "(calibration)");
        foreach (var sample in CalibrationSamples.List(input, job.Request.ManifestDirectory, "through the toolchain directly"))
        {
            var name = sample.File is null ? $"random_{sample.Index}" : Path.GetFileNameWithoutExtension(sample.File);
            BmpImageWriter.Write(
                job.Workspace.Full(Path.Combine(folder, name + ".bmp")),
                CalibrationSamples.ImageBytes(sample, input, job.Target),
                width,
                height,
                channels);
        }

        var stem = Path.GetFileNameWithoutExtension(xml);
        var dataset = new JsonObject { ["name"] = "calibration", ["data_source"] = folder, ["reader"] = "opencv_imread" };
        if (input.Encoding.To == ColorEncoding.Gray)
        {
            dataset["preprocessing"] = new JsonArray(new JsonObject { ["type"] = "bgr_to_gray" });
        }
        else if (!job.Inputs.Any(i => i.FlipsChannels))
        {
            // ModelConverter's rule: without mo's channel flip, POT's reader feeds RGB.
            dataset["preprocessing"] = new JsonArray(new JsonObject { ["type"] = "bgr_to_rgb" });
        }

        var config = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["model_name"] = stem + "-int8",
                ["model"] = xml,
                ["weights"] = Path.ChangeExtension(xml, ".bin")
            },
            ["engine"] = new JsonObject
            {
                ["launchers"] = new JsonArray(new JsonObject { ["framework"] = "openvino", ["device"] = "CPU" }),
                ["datasets"] = new JsonArray(dataset),
            },
            ["compression"] = new JsonObject
            {
                ["target_device"] = job.Request.Stage.Vendors.Rvc3.PotTargetDevice,
                ["algorithms"] = new JsonArray(new JsonObject
                {
                    ["name"] = "DefaultQuantization",
                    ["params"] = new JsonObject { ["preset"] = "performance", ["stat_subset_size"] = 300 },
                }),
            },
        };
        var configPath = DirectJob.Intermediate("pot_config.json");
        job.Workspace.WriteText(configPath, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 4 }) + "\n");
        var run = await job.RunAsync(
            "pot",
            VendorTools.PostTrainingOptimization,
            ["--config", configPath, "-d", "--output-dir", VendorWorkspace.Intermediate],
            cancellationToken).ConfigureAwait(false);
        var quantized = DirectJob.Intermediate("optimized", stem + "-int8.xml");
        job.Workspace.Expect(quantized, job.Tool(VendorTools.PostTrainingOptimization), run);
        return quantized;
    }

    private static async Task<string> SuperblobAsync(DirectJob job, List<string> arguments, CancellationToken cancellationToken)
    {
        var name = job.Request.ModelName;
        var blobs = DirectJob.Intermediate("blobs");
        Directory.CreateDirectory(job.Workspace.Full(blobs));
        var baseBlob = Path.Combine(blobs, $"{name}_{SuperblobFile.BaseShaves}shave.blob");
        var compileTool = job.Tool(VendorTools.CompileTool);
        var run = await job.RunAsync(
            "compile_tool",
            VendorTools.CompileTool,
            [.. arguments, "-o", baseBlob, "-c", WriteMyriadConfig(job, SuperblobFile.BaseShaves)],
            cancellationToken).ConfigureAwait(false);
        job.Workspace.Expect(baseBlob, compileTool, run);

        var patches = new Dictionary<int, byte[]>();
        foreach (var shaves in PatchShaves)
        {
            var blob = Path.Combine(blobs, $"{name}_{shaves}shave.blob");
            run = await job.RunAsync(
                $"compile_tool_{shaves}shave",
                VendorTools.CompileTool,
                [.. arguments, "-c", WriteMyriadConfig(job, shaves), "-o", blob],
                cancellationToken).ConfigureAwait(false);
            job.Workspace.Expect(blob, compileTool, run);
            var patch = Path.ChangeExtension(blob, ".patch");
            run = await job.RunAsync($"bsdiff_{shaves}shave", VendorTools.Bsdiff, [baseBlob, blob, patch], cancellationToken)
                .ConfigureAwait(false);
            patches[shaves] = await File.ReadAllBytesAsync(
                job.Workspace.Expect(patch, job.Tool(VendorTools.Bsdiff), run),
                cancellationToken).ConfigureAwait(false);
        }

        var superblob = DirectJob.Intermediate(name + ".superblob");
        using (var output = File.Create(job.Workspace.Full(superblob)))
        {
            SuperblobFile.Write(
                output,
                await File.ReadAllBytesAsync(job.Workspace.Full(baseBlob), cancellationToken).ConfigureAwait(false),
                patches);
        }

        SuperblobFile.Read(
            await File.ReadAllBytesAsync(job.Workspace.Full(superblob), cancellationToken).ConfigureAwait(false),
            job.Workspace.Full(superblob));
        return superblob;
    }

    private static string WriteMyriadConfig(DirectJob job, int shaves)
    {
        var path = DirectJob.Intermediate(string.Create(CultureInfo.InvariantCulture, $"myriad_{shaves}shaves.conf"));
        job.Workspace.WriteText(path, MyriadConfig(shaves));
        return path;
    }

    private static string OutputOf(List<string> arguments) => arguments[arguments.IndexOf("-o") + 1];

    /// <summary>mo prints "Version of Model Optimizer is: X"; ModelConverter keeps what follows the colon.</summary>
    private static string ModelOptimizerVersion(string printed) =>
        printed.Contains(':', StringComparison.Ordinal) ? printed[(printed.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() : printed;

    /// <summary>compile_tool's first two lines end with its version and its build; ModelConverter keeps the last word of each.</summary>
    private static (string Version, string Build) CompileToolVersion(string printed)
    {
        var lines = printed.Split("; ");
        static string LastWord(string line) => line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? line;
        return (LastWord(lines[0]), lines.Length > 1 ? LastWord(lines[1]) : ToolIdentifier.UnknownVersion);
    }

    /// <summary>ModelConverter's <c>as_openvino_dtype</c>.</summary>
    private static string OpenVinoType(VendorInput input) => input.DataType switch
    {
        TensorDataType.Float16 => "f16",
        TensorDataType.Float32 => "f32",
        TensorDataType.Float64 => "f64",
        TensorDataType.Int8 => "i8",
        TensorDataType.Int16 => "i16",
        TensorDataType.Int32 => "i32",
        TensorDataType.Int64 => "i64",
        TensorDataType.UInt8 => "u8",
        TensorDataType.UInt16 => "u16",
        TensorDataType.UInt32 => "u32",
        TensorDataType.UInt64 => "u64",
        _ => throw new DiagnosticException(ToolchainDiagnostics.SettingNotSupported.Create(
            input.CalibrationAt with
            {
                Line = 0,
                Column
                = 0
            }, $"data_type {input.DataType.ToName()} for input '{input.Name}'", "by OpenVINO's mo", "use a float or integer type")),
    };

    private static DiagnosticException Unsupported(VendorCompileRequest request, string what, string advice) =>
        new(ToolchainDiagnostics.SettingNotSupported.Create(request.PrecisionAt, what, "through the toolchain directly", advice));
}
