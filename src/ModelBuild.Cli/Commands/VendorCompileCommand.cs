using System.CommandLine;
using System.Reflection;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Targets;
using ModelBuild.Core.Toolchains;
using ModelBuild.Tensors;

namespace ModelBuild.Cli.Commands;

/// <summary>
/// <c>modelbuild vendor-compile</c>: compiles a prepared ONNX model for a vendor target (rvc2, rvc3, rvc4,
/// hailo, openvino) through ModelConverter or the vendor's tools, as the manifest describes it. The
/// standalone form of the vendor toolchain layer, for CI stages and for trying a toolchain by hand.
/// </summary>
internal static class VendorCompileCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "The prepared ONNX model (input shapes fixed)." };
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
        var nnArchive = new Option<bool>("--nn-archive") { Description = "Also write the NN Archive (name.target.tar.gz)." };
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
                var request = BuildRequest(
                    console,
                    parse.GetValue(model)!.FullName,
                    parse.GetValue(manifest)!.FullName,
                    parse.GetValue(target)!,
                    parse.GetValue(precision)!,
                    parse.GetValue(name),
                    parse.GetValue(workDir)?.FullName ?? Path.Combine(output, ".work"),
                    parse.GetValue(tools) ?? []);
                if (request is null)
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

    private static VendorCompileRequest? BuildRequest(
        DiagnosticConsole console,
        string modelPath,
        string manifestPath,
        string targetName,
        string precisionName,
        string? name,
        string workDirectory,
        string[] toolArguments)
    {
        var load = ManifestLoader.Load(manifestPath);
        console.Report(load.Diagnostics);
        if (load.Manifest is not { } manifest || load.Diagnostics.Any(d => d.IsError))
        {
            return null;
        }

        var version = typeof(VendorCompileCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?
            .InformationalVersion ?? "unknown";
        var stage = manifest.SingleStage ?? throw new DiagnosticException(PipelineDiagnostics.MultiStageNotImplemented.Create(
            manifest.Stages[1].Name.Location, manifest.FilePath, manifest.Stages.Count, string.Join(
                ", ",
                manifest.Stages.Select(s => s.Name.Value)), version));
        var target = TargetCatalog.Find(targetName) ?? throw new DiagnosticException(TargetDiagnostics.UnknownTarget.Create(
            null, targetName, NameSuggestion.DidYouMean(targetName, VendorToolchains.Targets), string.Join(
                ", ",
                TargetCatalog.All.Select(t => t.Name))));
        if (!VendorToolchains.Targets.Contains(target.Name))
        {
            throw new DiagnosticException(ToolchainDiagnostics.RouteCannotCompile
                .Create(null, target.Name, "by vendor-compile", "it is not a vendor target; use 'modelbuild compile'"));
        }

        var precision = Precision.Find(precisionName) ?? throw new DiagnosticException(TargetDiagnostics.UnknownPrecision.Create(
            null, precisionName, NameSuggestion.DidYouMean(precisionName, Precision.All.Select(p => p.Name)), string.Join(
                ", ",
                Precision.All)));

        var signature = OnnxModelSignature.FromModel(OnnxModelFile.Read(File.ReadAllBytes(modelPath), modelPath));
        var resolution = ManifestInputResolver.Resolve(stage, [.. signature.Inputs.Select(i =>
            new ModelInput(i.Name, i.Shape?.Dimensions.Select(d => d.Value).ToList(), DataType(i.ElementType)))]);
        console.Report(resolution.Diagnostics);
        if (!resolution.Succeeded)
        {
            return null;
        }

        var paths = ToolPathList.Parse(toolArguments, Environment.CurrentDirectory);

        var outputs = signature.Outputs.Select(o => new VendorOutput(
            o.Name,
            o.Shape?.Dimensions.Select(d => d.Value).ToList(),
            DataType(o.ElementType) ?? TensorDataType.Float32)).ToList();
        return new VendorCompileRequest(
            modelPath,
            name ?? Path.GetFileNameWithoutExtension(modelPath),
            stage,
            resolution.Inputs,
            outputs,
            target,
            precision,
            workDirectory)
        {
            ToolPaths = paths,
            Log = null,
            EngineVersion = version,
        };
    }

    /// <summary>The manifest's name for an ONNX element type (TensorProto.DataType numbers).</summary>
    private static TensorDataType? DataType(TensorElementType onnxType) => onnxType switch
    {
        TensorElementType.Float => TensorDataType.Float32,
        TensorElementType.UInt8 => TensorDataType.UInt8,
        TensorElementType.Int8 => TensorDataType.Int8,
        TensorElementType.UInt16 => TensorDataType.UInt16,
        TensorElementType.Int16 => TensorDataType.Int16,
        TensorElementType.Int32 => TensorDataType.Int32,
        TensorElementType.Int64 => TensorDataType.Int64,
        TensorElementType.Bool => TensorDataType.Boolean,
        TensorElementType.Float16 => TensorDataType.Float16,
        TensorElementType.Double => TensorDataType.Float64,
        TensorElementType.UInt32 => TensorDataType.UInt32,
        TensorElementType.UInt64 => TensorDataType.UInt64,
        TensorElementType.BFloat16 => TensorDataType.BFloat16,
        _ => null,
    };
}
