using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ModelBuild.Core.Manifest;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// Hailo through the Dataflow Compiler's command line: <c>hailo parser onnx</c> translates the model to a
/// HAR, <c>hailo optimize</c> quantizes it with a model script (the manifest's <c>alls</c> lines,
/// <c>model_optimization_flavor</c>, <c>normalization</c> and, when the channels flip,
/// <c>input_conversion(bgr_to_rgb)</c>) and a calibration set (an .npy of N × H × W × C float32 on a 0–255
/// scale, as ModelConverter feeds the optimizer), and <c>hailo compiler</c> writes the .hef.
/// ModelConverter drives the same steps through the DFC's Python API and names the input layer; the
/// command line takes a model script without layer names, which applies to the model's one input, so
/// this route takes single-input models.
/// </summary>
internal sealed partial class HailoCompilation : IDirectCompilation
{
    public IReadOnlyList<ToolRequirement> Tools(VendorCompileRequest request, VendorPrecisionSettings settings) => [VendorTools.Hailo];

    public void Check(VendorCompileRequest request, VendorPrecisionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Inputs.Count != 1)
        {
            throw new Diagnostics.DiagnosticException(ToolchainDiagnostics.RouteCannotCompile.Create(
                request.PrecisionAt, "hailo", "through the toolchain directly", $"the model has {request.Inputs.Count} inputs; the DFC " +
                    $"command line's model script addresses one input, so compile multi-input models through ModelConverter"));
        }

        VendorInput.From(request.Inputs[0]).FixedShape("hailo");
    }

    /// <summary>The model script: the manifest's lines, then the flavor, normalization and channel flip, as ModelConverter orders
    /// them.</summary>
    public static string ModelScript(VendorCompileRequest request, VendorInput input)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(input);
        var hailo = request.Stage.Vendors.Hailo;
        var channels = (int)input.FixedShape("hailo")[1];
        var script = new StringBuilder();
        foreach (var line in hailo.Alls)
        {
            script.Append(line).Append('\n');
        }

        script.Append(CultureInfo.InvariantCulture, $"model_optimization_flavor(optimization_level={hailo.OptimizationLevel}, " +
            $"compression_level={hailo.CompressionLevel}, batch_size={hailo.BatchSize})\n");
        var mean = input.Mean ?? [.. Enumerable.Repeat(0.0, channels)];
        var scale = input.Scale ?? [.. Enumerable.Repeat(1.0, channels)];
        script.Append("normalization1 = normalization(").Append(PythonText.FloatList(mean)).Append(", ").Append(PythonText.FloatList(scale))
            .Append(")\n");
        if (input.FlipsChannels)
        {
            script.Append("input_conversion1 = input_conversion(bgr_to_rgb)\n");
        }

        return script.ToString();
    }

    public async Task<IReadOnlyList<(string Path, VendorOutputKind Kind)>> RunAsync(DirectJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var hailo = job.Request.Stage.Vendors.Hailo;
        var input = job.Inputs[0];
        var net = NetName(job.Request.ModelName);
        var har = DirectJob.Intermediate(net + ".har");
        List<string> parse =
        [
            "parser", "onnx", job.Model, "--net-name", net, "--hw-arch", hailo.HwArch, "--har-path", har,
            "--start-node-names", input.Name, "--end-node-names", .. job.Request.Outputs.Select(o => o.Name),
        ];
        var run = await job.RunAsync("parser", VendorTools.Hailo, parse, cancellationToken).ConfigureAwait(false);
        job.Workspace.Expect(har, job.Tool(VendorTools.Hailo), run);

        var script = DirectJob.Intermediate(net + ".alls");
        job.Workspace.WriteText(script, ModelScript(job.Request, input));
        var calibration = DirectJob.Intermediate("calibration_set.npy");
        WriteCalibrationSet(job, input, job.Workspace.Full(calibration));

        var optimized = DirectJob.Intermediate(net + "_optimized.har");
        run = await job.RunAsync(
            "optimize",
            VendorTools.Hailo,
            [
                "optimize", har, "--hw-arch", hailo.HwArch, "--calib-set-path", calibration, "--model-script", script,
                "--output-har-path", optimized,
            ],
            cancellationToken).ConfigureAwait(false);
        job.Workspace.Expect(optimized, job.Tool(VendorTools.Hailo), run);

        var hefFolder = DirectJob.Intermediate("hef");
        Directory.CreateDirectory(job.Workspace.Full(hefFolder));
        run = await job.RunAsync(
            "compiler",
            VendorTools.Hailo,
            ["compiler", optimized, "--hw-arch", hailo.HwArch, "--output-dir", hefFolder],
            cancellationToken).ConfigureAwait(false);

        // The compiler names the .hef after the network; take the one it wrote.
        var written = Directory.GetFiles(job.Workspace.Full(hefFolder), "*.hef");
        var hef = written.Length == 1 ? Path.Combine(hefFolder, Path.GetFileName(written[0])) : Path.Combine(hefFolder, net + ".hef");
        job.Workspace.Expect(hef, job.Tool(VendorTools.Hailo), run);
        job.Details["hailo_version"] = job.VersionOf(VendorTools.Hailo);
        job.Details["optimization_level"] = hailo.OptimizationLevel;
        job.Details["compression_level"] = hailo.CompressionLevel;
        job.Details["alls"] = new System.Text.Json.Nodes.JsonArray([.. ModelScript(job.Request, input).Split(
            '\n',
            StringSplitOptions.RemoveEmptyEntries).Select(l => (System.Text.Json.Nodes.JsonNode)l)]);
        return [(hef, VendorOutputKind.Model)];
    }

    /// <summary>ModelConverter's <c>sanitize_net_name</c>: characters other than letters, digits, '_' and '-' become '_', runs of '_'
    /// one.</summary>
    public static string NetName(string name) => Underscores().Replace(Unsafe().Replace(name, "_"), "_");

    private static void WriteCalibrationSet(DirectJob job, VendorInput input, string path)
    {
        var (height, width, channels) = input.ImageSize("hailo", "(calibration)");
        var samples = CalibrationSamples.List(input, job.Request.ManifestDirectory, "through the toolchain directly");
        var data = new float[samples.Count * height * width * channels];
        for (var i = 0; i < samples.Count; i++)
        {
            CalibrationSamples.ImageFloats(samples[i], input, "hailo").CopyTo(data, i * height * width * channels);
        }

        NpyFile.Write(path, Tensor.Create(data, [samples.Count, height, width, channels]));
    }

    [GeneratedRegex("[^a-zA-Z0-9_-]")]
    private static partial Regex Unsafe();

    [GeneratedRegex("_+")]
    private static partial Regex Underscores();
}
