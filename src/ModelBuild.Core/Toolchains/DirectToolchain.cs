using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelBuild.Core.NnArchives;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// Compiles by running the vendors' tools directly, with the arguments ModelConverter passes them:
/// OpenVINO 2022.3 <c>mo</c> + <c>compile_tool</c> (and <c>pot</c>, <c>bsdiff</c>) for rvc2/rvc3, SNPE for
/// rvc4, the Hailo DFC command line for hailo, <c>ovc</c> for OpenVINO IR. Every path given to a tool is
/// relative to the work folder, so the recorded commands are the same everywhere.
/// </summary>
public sealed class DirectToolchain(ToolIdentifier identifier) : IVendorToolchain
{
    public VendorRoute Route => VendorRoute.Toolchain;

    public VendorCompileDescription Describe(VendorCompileRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = VendorPrecisionMapping.Resolve(request.Target, request.Precision, request.Stage.Vendors, request.PrecisionAt);
        if (request.IsOpenVinoIr)
        {
            OpenVinoIrInput.Check(request, settings);
        }

        CompilationFor(request.Target.Name).Check(request, settings);
        var options = new JsonObject
        {
            ["route"] = VendorRoutes.NameOf(Route),
            ["target"] = request.Target.Name,
            ["precision"] = request.Precision.Name,
            ["nnArchive"] = request.WriteNnArchive ? NnArchiveWriter.Format : false,
            ["description"] = ModelConverterConfig.Write(request, settings, "<model>", (_, images) => images.Path.Value),
        };
        var inputFiles = settings.Calibrate ? ModelConverterToolchain.CalibrationFiles(request, settings) : [];
        return new VendorCompileDescription(settings, options, inputFiles);
    }

    public async Task<VendorCompilePlan> PlanAsync(VendorCompileRequest request, CancellationToken cancellationToken)
    {
        var description = Describe(request);
        var settings = description.Precision;
        var compilation = CompilationFor(request.Target.Name);
        var locator = new ToolLocator(request.ToolPaths, request.Environment);
        var tools = compilation.Tools(request, settings).Select(t => locator.Locate(t, request.Target.Name)).ToList();
        Directory.CreateDirectory(request.WorkDirectory);
        var identities = new List<ToolIdentity>();
        using (var probeLog = new ToolLog(Path.Combine(request.WorkDirectory, "tool-versions.log"), request.Log))
        {
            foreach (var tool in tools)
            {
                identities.Add(
                    await identifier.IdentifyAsync(tool, probeLog, request.WorkDirectory, cancellationToken).ConfigureAwait(false));
            }
        }

        return new VendorCompilePlan(request, Route, settings, identities, description.Options, description.InputFiles);
    }

    public async Task<VendorCompileResult> CompileAsync(VendorCompilePlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var request = plan.Request;
        var compilation = CompilationFor(request.Target.Name);
        var locator = new ToolLocator(request.ToolPaths, request.Environment);
        var tools = compilation.Tools(request, plan.Precision).ToDictionary(t => t.Name, t => locator.Locate(t, request.Target.Name));
        using var workspace = VendorWorkspace.Create(request.WorkDirectory, request.ToolTimeout, request.Log);
        var job = new DirectJob(request, plan.Precision, workspace, tools, plan.Tools);
        OpenVinoIrInput.CopyModel(request, workspace.Full(job.Model));

        var produced = await compilation.RunAsync(job, cancellationToken).ConfigureAwait(false);
        var files = new List<VendorOutputFile>();
        foreach (var (path, kind) in produced)
        {
            files.Add(new VendorOutputFile(workspace.Collect(workspace.Full(path), request.ModelName + Path.GetExtension(path)), kind));
        }

        var buildInfo = BuildInfo(job);
        var buildInfoPath = Path.Combine(workspace.ResultFolder, "buildinfo.json");
        File.WriteAllBytes(
            buildInfoPath,
            Encoding.UTF8.GetBytes(buildInfo.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 4 }) + "\n"));
        files.Add(new VendorOutputFile(buildInfoPath, VendorOutputKind.BuildInfo));
        if (request.WriteNnArchive)
        {
            var model = files.First(f => f.Kind == VendorOutputKind.Model);
            var archive = Path.Combine(workspace.ResultFolder, NnArchiveWriter.FileName(request.ModelName, request.Target.Name));
            NnArchiveWriter.Write(
                archive,
                VendorArchive.Config(request, plan.Precision, model.FileName),
                [.. files.Where(f => f.Kind is VendorOutputKind.Model or VendorOutputKind.Weights).Select(f => f.Path), buildInfoPath]);
            files.Add(new VendorOutputFile(archive, VendorOutputKind.NnArchive));
        }

        files.Add(new VendorOutputFile(workspace.CollectLog(), VendorOutputKind.Log));
        return new VendorCompileResult(files, plan.Tools, buildInfo);
    }

    internal static IDirectCompilation CompilationFor(string target) => target switch
    {
        "rvc2" or "rvc3" => new OpenVinoBlobCompilation(),
        "rvc4" => new SnpeCompilation(),
        "hailo" => new HailoCompilation(),
        "openvino" => new OpenVinoIrCompilation(),
        _ => throw new ArgumentException($"'{target}' is not a vendor target.", nameof(target)),
    };

    /// <summary>
    /// ModelConverter's buildinfo shape — <c>cmd_info</c> first — with ModelBuild's version, the route, the
    /// target and precision, and every tool's version and digest (their paths differ between machines, so
    /// they are left out).
    /// </summary>
    private static JsonObject BuildInfo(DirectJob job)
    {
        var info = new JsonObject
        {
            ["cmd_info"] = job.Commands.DeepClone(),
            ["modelbuild_version"] = job.Request.EngineVersion,
            ["route"] = "toolchain",
            ["target"] = job.Target,
            ["precision"] = job.Request.Precision.Name,
            ["tools"] = new JsonArray([.. job.Identities.Select(i => (JsonNode)new JsonObject
            {
                ["name"] = i.Name,
                ["version"] = i.Version,
                ["sha256"] = i.Sha256,
            })]),
        };
        foreach (var (key, value) in job.Details)
        {
            info[key] = value?.DeepClone();
        }

        return info;
    }
}
