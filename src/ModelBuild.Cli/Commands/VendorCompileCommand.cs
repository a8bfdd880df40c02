using System.CommandLine;
using System.Reflection;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Cli.Commands;

/// <summary>
/// <c>modelbuild vendor-compile</c>: compiles a prepared ONNX model (or OpenVINO IR, as it is) for a vendor target (rvc2, rvc3, rvc4,
/// hailo, openvino) through ModelConverter or the vendor's tools, as the manifest describes it. The
/// standalone form of the vendor toolchain layer, for CI stages and for trying a toolchain by hand.
/// </summary>
internal static class VendorCompileCommand
{
    private static string EngineVersion => typeof(VendorCompileCommand).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static Command Create()
    {
        var model = new Argument<FileInfo>("model")
        {
            Description = "The prepared ONNX model (input shapes fixed), or OpenVINO IR's .xml (rvc2, rvc3, openvino)."
        };
        var manifest = new Option<FileInfo>("--manifest")
        {
            Description = "The model manifest (YAML): inputs, preprocessing, calibration, vendor section.",
            Required = true
        };
        var target = new Option<string>("--target") { Description = "rvc2, rvc3, rvc4, hailo or openvino.", Required = true };
        var precision = new Option<string>("--precision")
        {
            Description = "FP32, FP16, FP32-INT8 or FP16-INT8, as the target supports.",
            Required = true
        };
        var outputDir = new Option<DirectoryInfo>("--output-dir", "-o") { Description = "Where the compiled files go.", Required = true };
        var via = new Option<string?>(
            "--via")
        {
            Description = "modelconverter or toolchain (default: MODELBUILD_VENDOR_ROUTE, else modelconverter; openvino " +
                "always uses the toolchain)."
        };
        var tools = new Option<string[]>("--tool")
        {
            Description
                = "name=path of a tool, e.g. compile_tool=/opt/intel/compile_tool (repeatable); else MODELBUILD_<TOOL>, else PATH."
        };
        var name = new Option<string?>("--name") { Description = "The model's name in its outputs (default: the model file's name)." };
        var nnArchive = new Option<bool>("--nn-archive") { Description = "Also write the NN Archive (name.target.tar.xz)." };
        var workDir = new Option<DirectoryInfo?>("--work-dir")
        {
            Description = "The tools' work folder, kept with its log (default: <output-dir>/.work)."
        };
        var timeout = new Option<int>("--timeout-minutes")
        {
            Description = "The longest one tool run may take.",
            DefaultValueFactory = _ => 120
        };

        var command = new Command(
            "vendor-compile",
            "Compile a prepared ONNX model for a vendor target through ModelConverter or the vendor's own tools.")
        {
            model, manifest, target, precision, outputDir, via, tools, name, nnArchive, workDir, timeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var console = new DiagnosticConsole();
            return await EngineRun.GuardAsync(console, async () =>
            {
                var output = parse.GetValue(outputDir)!.FullName;
                var standalone = StandaloneVendorRequest.Create(
                    parse.GetValue(model)!.FullName,
                    parse.GetValue(manifest)!.FullName,
                    parse.GetValue(target)!,
                    parse.GetValue(precision)!,
                    parse.GetValue(name),
                    parse.GetValue(workDir)?.FullName ?? Path.Combine(output, ".work"),
                    parse.GetValue(tools) ?? [],
                    EngineVersion);
                console.Report(standalone.Diagnostics);
                if (standalone.Request is not { } request)
                {
                    return ExitCodes.Failed;
                }

                request = request with
                {
                    WriteNnArchive = parse.GetValue(nnArchive),
                    ToolTimeout = TimeSpan.FromMinutes(
                    Math.Max(1, parse.GetValue(timeout)))
                };
                var route = VendorRoutes.Choose(parse.GetValue(via), request.Target.Name);
                var toolchain = VendorToolchains.For(route);
                console.Info($"{request.ModelName}: {request.Target.Name} {request.Precision} through {VendorRoutes.NameOf(route)}");
                var plan = await toolchain.PlanAsync(request, cancellationToken).ConfigureAwait(false);
                foreach (var tool in plan.Tools)
                {
                    console.Info($"  {tool.Name}: {tool.Version} ({tool.Path}, sha256 {tool.Sha256[..12]}…)");
                }

                var result = await toolchain.CompileAsync(plan, cancellationToken).ConfigureAwait(false);
                Directory.CreateDirectory(output);
                foreach (var file in result.Files)
                {
                    var destination = Path.Combine(output, file.FileName);
                    File.Copy(file.Path, destination, overwrite: true);
                    console.Info($"  {file.Kind.ToString().ToLowerInvariant(),-10} {destination}");
                }

                return ExitCodes.Success;
            }).ConfigureAwait(false);
        });
        return command;
    }
}
