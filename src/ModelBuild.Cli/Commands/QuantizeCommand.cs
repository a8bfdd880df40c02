using System.CommandLine;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Quantization;
using ModelBuild.Core.Zoo;

namespace ModelBuild.Cli.Commands;

/// <summary>
/// <c>modelbuild quantize</c>: post-training INT8 quantization of an ONNX file to QDQ, calibrated on a folder
/// of images (or .npy/.raw files) or on random data, with the preprocessing of a manifest or of options.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo?>("model")
        {
            Description = "The float ONNX model; not with --models_dir.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var output = new Option<FileInfo?>("--output", "-o", "--output_dir")
        {
            Description = "Where the QDQ model is written (required); with --models_dir, the root of <subdirectory>/<precision>/."
        };
        var zooName = new Option<string?>("--name")
        {
            Description = "With --models_dir: the models to quantize, comma-separated shell patterns (a,b*)."
        };
        var zooTarget = new Option<string>("--target")
        {
            Description = "With --models_dir: the compile target (onnx, ort, ...).",
            DefaultValueFactory = _ => "onnx"
        };
        var cacheDir = new Option<DirectoryInfo?>("--cache-dir", "--cache_dir")
        {
            Description = "With --models_dir: the local cache (default: MODELBUILD_CACHE, else the per-user folder)."
        };
        var calibration = new Option<string?>(
            "--calibration")
        {
            Description = "A folder of calibration files (.jpg .jpeg .png .bmp .npy .raw), or 'random'. Default: the " +
                "manifest's calibration, else random."
        };
        var manifest = new Option<FileInfo?>(
            "--manifest")
        {
            Description
                = "A manifest whose input settings (shape, layout, encoding, mean, scale, calibration) and quantization section apply."
        };
        var calibrator = new Option<string?>("--calibrator") { Description = "minmax (default), entropy or percentile." };
        var perTensor = new Option<bool>("--per-tensor") { Description = "One scale per weight instead of one per output channel." };
        var activationType = new Option<string?>("--activation-type") { Description = "uint8 (default, asymmetric) or int8 (symmetric)." };
        var reduceRange = new Option<bool>("--reduce-range") { Description = "7-bit weights, for CPUs without VNNI." };
        var maxImages = new Option<int?>("--max-images")
        {
            Description = "Use at most this many calibration samples (first by file name)."
        };
        var report = new Option<DirectoryInfo?>("--report")
        {
            Description = "A folder for quantization-report.json and quantization-report.html."
        };
        var shape = new Option<string[]>("--shape")
        {
            Description = "Fix an input's shape: 1,3,48,192 (single input) or name=1,3,48,192.",
            AllowMultipleArgumentsPerToken = true
        };
        var layout = new Option<string?>("--layout") { Description = "Image input layout without a manifest: NCHW (default) or NHWC." };
        var encoding = new Option<string?>("--encoding")
        {
            Description = "Channel order the model takes, without a manifest: RGB (default), BGR or GRAY."
        };
        var mean = new Option<float[]>("--mean")
        {
            Description = "Per-channel mean subtracted from image pixels (one value, or one per channel), without a manifest.",
            AllowMultipleArgumentsPerToken = true
        };
        var scale = new Option<float[]>("--scale")
        {
            Description = "Per-channel divisor applied after the mean, without a manifest.",
            AllowMultipleArgumentsPerToken = true
        };
        var resize = new Option<string?>("--resize-method") { Description = "RESIZE (default), CROP or PAD." };
        var maxDrop = new Option<double?>("--max-drop")
        {
            Description = "Accuracy budget: the largest drop allowed; the worst layers fall back to float until it fits."
        };
        var metric = new Option<string?>("--metric") { Description = "The budget's metric: top1_agreement (default), cosine or sqnr." };
        var maxTrials = new Option<int?>("--max-trials") { Description = "The budget's most layers to fall back (default 20)." };
        var excludeNodes = new Option<string[]>("--exclude-nodes")
        {
            Description = "Nodes that stay float.",
            AllowMultipleArgumentsPerToken = true
        };
        var excludeOpTypes = new Option<string[]>("--exclude-op-types")
        {
            Description = "Op types that stay float.",
            AllowMultipleArgumentsPerToken = true
        };
        var evaluation = new EvaluationOptions();

        var command = new Command("quantize", "Quantize an ONNX model to INT8 (QDQ): calibrate, quantize, measure and report.")
        {
            model, output, calibration, manifest, calibrator, perTensor, activationType, reduceRange, maxImages, report,
            shape, layout, encoding, mean, scale, resize, maxDrop, metric, maxTrials, excludeNodes, excludeOpTypes,
        };
        evaluation.AddTo(command);
        evaluation.DryRun.Aliases.Add("--dry_run");
        var zoo = new ZooOptions();
        zoo.AddTo(command);
        command.Options.Add(zooName);
        command.Options.Add(zooTarget);
        command.Options.Add(cacheDir);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var console = new DiagnosticConsole();
            var modelFile = parse.GetValue(model);
            var outputFile = parse.GetValue(output);
            if (zoo.IsZooRun(parse) || modelFile is null || outputFile is null)
            {
                var settings = new ZooRunSettings(
                    parse.GetValue(zooName),
                    outputFile?.FullName,
                    parse.GetValue(evaluation.DryRun),
                    parse.GetValue(zooTarget)!,
                    parse.GetValue(cacheDir)?.FullName,
                    null);
                return await EngineRun.GuardAsync(console, () => zoo.IsZooRun(parse) && modelFile is null
                    ? zoo.RunAsync(parse, ZooRunKind.Quantize, settings, console, cancellationToken)
                    : throw new DiagnosticException(ZooDiagnostics.ModeConflict.Create(
                        null,
                        zoo.IsZooRun(parse)
                            ? "Give either a model or --models_dir, not both."
                            : "Give a model and --output, or --models_dir with --all, --name or --list."))).ConfigureAwait(false);
            }

            var request = new QuantizeRequest(
                modelFile.FullName,
                outputFile.FullName,
                parse.GetValue(calibration),
                parse.GetValue(manifest)?.FullName,
                parse.GetValue(calibrator),
                parse.GetValue(perTensor),
                parse.GetValue(activationType),
                parse.GetValue(reduceRange),
                parse.GetValue(maxImages),
                parse.GetValue(report)?.FullName,
                parse.GetValue(shape) ?? [],
                parse.GetValue(layout),
                parse.GetValue(encoding),
                parse.GetValue(mean) ?? [],
                parse.GetValue(scale) ?? [],
                parse.GetValue(resize),
                parse.GetValue(maxDrop),
                parse.GetValue(metric),
                parse.GetValue(maxTrials),
                parse.GetValue(excludeNodes) ?? [],
                parse.GetValue(excludeOpTypes) ?? [])
            {
                Evaluation = evaluation.Read(parse, parse.GetValue(maxTrials), parse.GetValue(metric)),
                DryRun = parse.GetValue(evaluation.DryRun),
            };
            return await EngineRun.GuardAsync(console, () => Task.FromResult(
                new ModelFileQuantizer(console).Run(request, cancellationToken)
                    ? ExitCodes.Success
                    : ExitCodes.Failed)).ConfigureAwait(false);
        });
        return command;
    }
}
