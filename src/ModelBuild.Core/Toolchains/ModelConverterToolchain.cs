using System.Text.Json;
using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.NnArchives;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// Compiles through Luxonis ModelConverter: writes the config the manifest implies, runs
/// <c>modelconverter convert &lt;target&gt; --path &lt;config&gt; --output-dir modelbuild --to native</c>
/// in the work folder (ModelConverter puts its results in <c>output/modelbuild/</c> of its current
/// folder, natively and through its Docker launcher alike), and collects the model — the
/// <c>.superblob</c> checked — and ModelConverter's <c>buildinfo.json</c>.
/// </summary>
public sealed class ModelConverterToolchain(ToolIdentifier identifier) : IVendorToolchain
{
    /// <summary>The <c>--output-dir</c> given to ModelConverter (a plain name: it is sanitized and placed under <c>output/</c>).</summary>
    public const string OutputDirectoryName = "modelbuild";

    /// <summary>The config file's name in the work folder.</summary>
    public const string ConfigFileName = "modelconverter.yaml";

    private const string Via = "through ModelConverter";

    public VendorRoute Route => VendorRoute.ModelConverter;

    public VendorCompileDescription Describe(VendorCompileRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Target.Name == "openvino")
        {
            throw new DiagnosticException(ToolchainDiagnostics.RouteCannotCompile.Create(
                request.PrecisionAt,
                request.Target.Name,
                Via,
                "ModelConverter produces rvc2, rvc3, rvc4 and hailo models only; use the toolchain route (ovc)"));
        }

        var settings = VendorPrecisionMapping.Resolve(request.Target, request.Precision, request.Stage.Vendors, request.PrecisionAt);
        if (request.IsOpenVinoIr)
        {
            OpenVinoIrInput.Check(request, settings);
        }

        // The key's view of the config: paths as the manifest writes them, file contents keyed separately.
        var inputFiles = CalibrationFiles(request, settings);
        var config = ModelConverterConfig.Write(request, settings, "<model>", (_, images) => images.Path.Value);
        var options = new JsonObject
        {
            ["route"] = VendorRoutes.NameOf(Route),
            ["target"] = request.Target.Name,
            ["precision"] = request.Precision.Name,
            ["nnArchive"] = request.WriteNnArchive ? NnArchiveWriter.Format : false,
            ["config"] = config,
        };
        return new VendorCompileDescription(settings, options, inputFiles);
    }

    public async Task<VendorCompilePlan> PlanAsync(VendorCompileRequest request, CancellationToken cancellationToken)
    {
        var description = Describe(request);
        var tool = new ToolLocator(request.ToolPaths, request.Environment).Locate(VendorTools.ModelConverter, request.Target.Name);
        Directory.CreateDirectory(request.WorkDirectory);
        using var probeLog = new ToolLog(Path.Combine(request.WorkDirectory, "tool-versions.log"), request.Log);
        var identity = await identifier.IdentifyAsync(tool, probeLog, request.WorkDirectory, cancellationToken).ConfigureAwait(false);
        return new VendorCompilePlan(request, Route, description.Precision, [identity], description.Options, description.InputFiles);
    }

    public async Task<VendorCompileResult> CompileAsync(VendorCompilePlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var request = plan.Request;
        var tool = new ToolLocator(request.ToolPaths, request.Environment).Locate(VendorTools.ModelConverter, request.Target.Name);
        using var workspace = VendorWorkspace.Create(request.WorkDirectory, request.ToolTimeout, request.Log);
        // An IR input goes to ModelConverter as it is: its .xml, with the .bin of the same name beside it.
        var model = workspace.Full(
            Path.Combine(VendorWorkspace.Intermediate, request.ModelName + (request.IsOpenVinoIr ? ".xml" : ".onnx")));
        OpenVinoIrInput.CopyModel(request, model);
        var config = ModelConverterConfig.Write(
            request,
            plan.Precision,
            model,
            (input, images) => CalibrationSamples.Folder(images, input, request.ManifestDirectory, Via));
        workspace.WriteText(ConfigFileName, config);
        workspace.Log.Write("ModelConverter config:");
        foreach (var line in config.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            workspace.Log.Write("  " + line);
        }

        // Builds do not report to Luxonis' telemetry unless the user's environment asks for it.
        var environment = new Dictionary<string, string?>();
        if ((request.Environment ?? Environment.GetEnvironmentVariable)("LUXONIS_TELEMETRY_ENABLED") is null)
        {
            environment["LUXONIS_TELEMETRY_ENABLED"] = "false";
        }

        string[] arguments =
            ["convert", request.Target.Name, "--path", ConfigFileName, "--output-dir", OutputDirectoryName, "--to", "native"];
        var run = await workspace.RunAsync(tool, arguments, cancellationToken, environment).ConfigureAwait(false);

        var outputFolder = Path.Combine("output", OutputDirectoryName);
        var extension = ModelExtension(request);
        var candidates = Directory.Exists(workspace.Full(outputFolder))
            ? Directory.GetFiles(workspace.Full(outputFolder), "*" + extension).Order(StringComparer.Ordinal).ToList()
            : [];
        if (candidates.Count != 1)
        {
            throw new DiagnosticException(ToolchainDiagnostics.ToolOutputMissing.Create(
                null, tool.Name, Path.Combine(outputFolder, request.ModelName + extension) + (candidates.Count > 1
                    ? $" (it wrote {candidates.Count} {extension} files)"
                    : string.Empty),
                workspace.Log.Path, ToolProcessRunner.FormatLines(run.LastLines)));
        }

        var buildInfoPath = workspace.Expect(Path.Combine(outputFolder, "buildinfo.json"), tool, run);
        var buildInfo = ReadBuildInfo(buildInfoPath);
        if (extension == ".superblob")
        {
            SuperblobFile.Read(File.ReadAllBytes(candidates[0]), candidates[0]);
        }

        var files = new List<VendorOutputFile>
        {
            new(workspace.Collect(candidates[0], request.ModelName + extension), VendorOutputKind.Model),
            new(workspace.Collect(buildInfoPath, "buildinfo.json"), VendorOutputKind.BuildInfo),
        };
        if (request.WriteNnArchive)
        {
            var archive = Path.Combine(workspace.ResultFolder, NnArchiveWriter.FileName(request.ModelName, request.Target.Name));
            NnArchiveWriter.Write(
                archive,
                VendorArchive.Config(request, plan.Precision, files[0].FileName),
                [files[0].Path, files[1].Path]);
            files.Add(new VendorOutputFile(archive, VendorOutputKind.NnArchive));
        }

        files.Add(new VendorOutputFile(workspace.CollectLog(), VendorOutputKind.Log));
        return new VendorCompileResult(files, plan.Tools, buildInfo);
    }

    /// <summary>The file ModelConverter's target writes: <c>.superblob</c> (RVC2 with <c>superblob: true</c>), <c>.blob</c>, <c>.dlc</c> or
    /// <c>.hef</c>.</summary>
    public static string ModelExtension(VendorCompileRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Target.Name switch
        {
            "rvc2" => request.Stage.Vendors.Rvc2.Superblob ? ".superblob" : ".blob",
            "rvc3" => ".blob",
            "rvc4" => ".dlc",
            "hailo" => ".hef",
            _ => ".xml",
        };
    }

    /// <summary>The calibration files a compile reads (their contents belong in the action key).</summary>
    internal static IReadOnlyList<string> CalibrationFiles(VendorCompileRequest request, VendorPrecisionSettings settings)
    {
        if (!settings.Calibrate)
        {
            return [];
        }

        return [.. request.Inputs.Select(VendorInput.From)
            .SelectMany(input => CalibrationSamples.List(input, request.ManifestDirectory, Via))
            .Where(s => s.File is not null)
            .Select(s => s.File!)];
    }

    private static JsonObject ReadBuildInfo(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new JsonException("it is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new DiagnosticException(ToolchainDiagnostics.BuildInfoUnreadable.Create(null, path, "ModelConverter", e.Message), e);
        }
    }
}
