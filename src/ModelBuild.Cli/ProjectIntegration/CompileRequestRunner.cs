using System.Diagnostics;
using System.Globalization;
using ModelBuild.Cli.Downloads;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Quantization.Evaluation;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Targets;
using ModelBuild.Core.Toolchains;
using ModelBuild.Core.Zoo;
using ModelBuild.Protocol;

namespace ModelBuild.Cli.ProjectIntegration;

/// <summary>
/// Carries out one project's request from the MSBuild task: compiles the stale models in parallel
/// (cache first), keeps the others' last results, and writes the project's accessor once every model
/// has a result. A model that fails leaves its output folder as it was. A request for one stage
/// (DownloadModels, ConvertModels, QuantizeModels) runs every model up to that stage into the cache
/// and writes nothing into the project.
/// </summary>
internal sealed class CompileRequestRunner(DiagnosticConsole console)
{
    public async Task<int> RunAsync(CompileRequest request, int maxParallelism, CancellationToken cancellationToken)
    {
        // Profiling (benchmarks/quantize-build.sh): the phases' wall times, written to the file the variable names.
        if (Environment.GetEnvironmentVariable(PhaseTimes.EnvironmentVariable) is not { Length: > 0 } phaseFile)
        {
            return await RunCoreAsync(request, maxParallelism, cancellationToken).ConfigureAwait(false);
        }

        var phases = new PhaseTimes();
        using (PhaseTimes.Activate(phases))
        {
            try
            {
                using (PhaseTimes.Measure("engine"))
                {
                    return await RunCoreAsync(request, maxParallelism, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                File.WriteAllText(phaseFile, phases.ToText());
            }
        }
    }

    private async Task<int> RunCoreAsync(CompileRequest request, int maxParallelism, CancellationToken cancellationToken)
    {
        var stopAfter = StageOf(request.Stage);
        var cacheOptions = CacheOptions.FromSettings(
            request.CacheDir,
            request.RemoteCache,
            request.RemoteCacheReadOnly ? true : null,
            request.CacheMaxSize);
        using var cache = ModelBuildCache.Open(cacheOptions, console.Report);
        var parallelism = maxParallelism > 0
            ? maxParallelism
            : request.MaxParallelism > 0 ? request.MaxParallelism : Environment.ProcessorCount;
        using var fetcher = new SourceFetcher(cache, new SourceFetcherOptions
        {
            Offline = request.Offline,
            LockFile = request.LockFile is { } lockFile ? ModelLockFile.Open(lockFile, request.LockedMode) : null,
            MaxParallelDownloads = parallelism,
            NuGetPackagesFolder = request.NuGetPackageRoot,
            Progress = new TextDownloadReporter(Console.Out, interactive: false, prefix: "ModelBuild: "),
            Log = console.Info,
        });
        var compiler = new ModelCompiler(cache, fetcher, EngineIdentity.Current, request.CacheSalt, console.Info);

        // Vendor targets: relative tool paths are relative to the project, as MSBuild paths are.
        var projectFolder = request.ProjectFile.Length > 0
            ? Path.GetDirectoryName(Path.GetFullPath(request.ProjectFile))!
            : Environment.CurrentDirectory;
        var vendor = new VendorBuildSettings
        {
            Route = request.VendorRoute,
            ToolPaths = ToolPathList.Parse(request.ToolchainPaths, projectFolder),
            ToolTimeout = TimeSpan.FromMinutes(request.ToolchainTimeoutMinutes > 0 ? request.ToolchainTimeoutMinutes : 120),
        };

        // A command-line compile has no project file; its target and precision are options, not item metadata.
        var fromProject = request.ProjectFile.Length > 0;
        var summary = new CompileSummary(console, fromProject);
        var results = new ModelResult?[request.Models.Count];
        var failures = 0;
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = parallelism,
            CancellationToken = cancellationToken,
        };
        await Parallel.ForEachAsync(Enumerable.Range(0, request.Models.Count), options, async (index, token) =>
        {
            var model = request.Models[index];
            if (stopAfter == PipelineStage.Package && !model.Stale && ModelOutputFolder.TryRead(model.OutputDir) is { } previous)
            {
                results[index] = previous;
                return;
            }

            var calibration = CalibrationFiles(request, model);
            if (calibration is null)
            {
                Interlocked.Increment(ref failures);
                return;
            }

            var compileRequest = new ModelCompileRequest(
                model.Manifest,
                model.Name,
                model.Target,
                model.Precision,
                fromProject ? ProjectItemLocator.Locate(request.ProjectFile, model.Manifest, "ModelTarget") : null,
                fromProject ? ProjectItemLocator.Locate(request.ProjectFile, model.Manifest, "Precision") : null)
            {
                NameIsDefault = model.NameIsDefault,
                NameAt = fromProject && !model.NameIsDefault
                    ? ProjectItemLocator.Locate(request.ProjectFile, model.Manifest, "Name")
                    : null,
                Overrides = WithCalibration(ManifestOverrides.Parse(model.Overrides), model.Calibration),
                StopAfter = stopAfter,
                MainStage = model.MainStage,
                MainStageAt = fromProject && model.MainStage is not null
                    ? ProjectItemLocator.Locate(request.ProjectFile, model.Manifest, "MainStage")
                    : null,
                Vendor = vendor with
                {
                    Package = model.Package,
                    PackageAt = fromProject && model.Package is not null
                        ? ProjectItemLocator.Locate(request.ProjectFile, model.Manifest, "Package")
                        : null,

                    // In obj/, kept: the tools' log that a failure points at, and their intermediate files.
                    WorkDirectory = fromProject ? Path.Combine(model.OutputDir, "vendor") : null,
                },
            };
            var watch = Stopwatch.StartNew();
            for (var attempt = 1; ; attempt++)
            {
                var outcome = await compiler.CompileAsync(compileRequest, token).ConfigureAwait(false);
                console.Report(outcome.Diagnostics);
                summary.Actions(outcome);
                if (outcome.Completed != stopAfter)
                {
                    Interlocked.Increment(ref failures);
                    return;
                }

                try
                {
                    foreach (var path in ModelOutputFolder.WriteAttachments(cache, outcome.Attachments, model.OutputDir))
                    {
                        console.Info($"ModelBuild: {model.Name}: {Path.GetFileName(path)} written to '{path}'.");

                        // Issue 17: INT8's accuracy on the held-out set, in one line of every build (also from the cache).
                        if (Path.GetFileName(path) == "quantization-report.json"
                            && EvaluationReportWriter.SummaryFromJson(model.Name, File.ReadAllText(path)) is { } accuracy)
                        {
                            console.Info(EngineOutput.HighPrefix + accuracy);
                        }
                    }

                    if (outcome.Model is not { } compiled)
                    {
                        summary.Stage(model, outcome, watch.Elapsed);
                        return;
                    }

                    using (PhaseTimes.Measure("write outputs"))
                    {
                        results[index] = ModelOutputFolder.Write(
                            cache,
                            compiled,
                            model.OutputDir,
                            model.LogicalName,
                            model.ResourcePrefix,
                            [.. outcome.Dependencies, .. calibration],
                            listOutputs: fromProject);
                    }

                    summary.Compiled(compiled, outcome, results[index]!, watch.Elapsed);
                    return;
                }
                catch (CacheBlobLostException e) when (attempt == 1)
                {
                    // Quarantined (MB3002) or evicted after the compile found it: the next compile misses it and makes it anew.
                    console.Info($"ModelBuild: {model.Name}: {e.Blob} is no longer valid in the cache; compiling again.");
                }
                catch (CacheBlobLostException e)
                {
                    console.Report(CacheDiagnostics.BlobLostAgain.Create(null, e.Blob, cache.Root));
                    Interlocked.Increment(ref failures);
                    return;
                }
                catch (DiagnosticException e)
                {
                    // A full disk, a file size limit, a read-only or forbidden folder: coded, with the path.
                    console.Report(e.Diagnostic);
                    Interlocked.Increment(ref failures);
                    return;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // A folder that cannot be written (a file in its place, no permission) is not an engine fault.
                    console.Report(OutputDiagnostics.OutputFolderNotWritable.Create(null, model.Name, model.OutputDir, e.Message));
                    Interlocked.Increment(ref failures);
                    return;
                }
            }
        }).ConfigureAwait(false);
        cache.EnforceSizeBudget();

        if (console.ErrorCount > 0 || failures > 0)
        {
            return ExitCodes.Failed;
        }

        if (stopAfter == PipelineStage.Package && request.Accessor is { } accessor)
        {
            var models = request.Models.Select((m, i) => new AccessorModel(results[i]!, m.Public ?? accessor.Public, m.Embed));
            var code = AccessorGenerator.Generate(accessor, models, EngineIdentity.Current.DisplayVersion);
            if (!File.Exists(accessor.FilePath) || File.ReadAllText(accessor.FilePath) != code)
            {
                // Written beside and renamed: a build of another target framework may be compiling it right now.
                ModelOutputFolder.WriteTextAtomically(accessor.FilePath, code);
            }
        }

        return ExitCodes.Success;
    }

    private static PipelineStage StageOf(string? stage) => stage switch
    {
        null or "" => PipelineStage.Package,
        PipelineStages.Download => PipelineStage.Download,
        PipelineStages.Convert => PipelineStage.Convert,
        PipelineStages.Quantize => PipelineStage.Quantize,
        _ => throw new InvalidOperationException($"The request names an unknown stage '{stage}'."),
    };

    /// <summary>
    /// The Calibration metadata is the manifest's stage-level <c>calibration.path</c> (inputs that name their own
    /// calibration keep it), added after the Overrides metadata so it wins over an override of the same key.
    /// </summary>
    private static ManifestOverrides WithCalibration(ManifestOverrides overrides, string? folder) =>
        string.IsNullOrEmpty(folder)
            ? overrides
            : overrides with
            {
                Items =
                [
                    .. overrides.Items.Where(o => o.Key != "calibration.path"),
                    new ManifestOverride("calibration.path", Path.GetFullPath(folder)),
                ],
            };

    /// <summary>
    /// The files of the model's calibration folder, sorted, so that a changed, added or removed image
    /// makes the model stale; empty when it has none, null (after an error) when the folder is missing.
    /// </summary>
    private List<string>? CalibrationFiles(CompileRequest request, ModelRequest model)
    {
        if (string.IsNullOrEmpty(model.Calibration))
        {
            return [];
        }

        var folder = Path.GetFullPath(model.Calibration);
        if (!Directory.Exists(folder))
        {
            var at = request.ProjectFile.Length > 0 ? ProjectItemLocator.Locate(request.ProjectFile, model.Manifest, "Calibration") : null;
            console.Report(ProjectDiagnostics.CalibrationFolderMissing.Create(at, model.Name, folder));
            return null;
        }

        return [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// What the engine says about each model: one summary line (target, precision, cache hit or miss,
    /// time, size) and, for the MSBuild task, one detail line per action with its key.
    /// </summary>
    private sealed class CompileSummary(DiagnosticConsole console, bool fromProject)
    {
        public void Actions(ModelCompileOutcome outcome)
        {
            if (!fromProject)
            {
                return;
            }

            foreach (var action in outcome.Actions)
            {
                console.Info($"{EngineOutput.DetailPrefix}ModelBuild: {action.Description}: action {action.Key} " +
                    $"{(action.Cached ? "from cache" : "run")}.");
            }
        }

        public void Compiled(CompiledModel model, ModelCompileOutcome outcome, ModelResult result, TimeSpan elapsed)
        {
            var head = $"ModelBuild: {model.Name} -> {model.Selection.Target.Name} {model.Selection.Precision}: {outcome.ActionsRun} " +
                $"actions run, {outcome.ActionsCached} from cache";
            if (!fromProject)
            {
                // The command line's summary keeps its established form.
                console.Info(head + ".");
                return;
            }

            console.Info($"{head} ({CacheVerdict(outcome)}), {Seconds(elapsed)}, {Size(result.Outputs.Sum(o => o.Size))}.");
        }

        public void Stage(ModelRequest model, ModelCompileOutcome outcome, TimeSpan elapsed)
        {
            var what = outcome.Completed switch
            {
                PipelineStage.Download => "downloaded into the cache",
                PipelineStage.Convert => "downloaded and converted into the cache",
                _ when outcome.Attachments.Count > 0 => "downloaded, converted and quantized into the cache",
                _ when Precision.Find(
                    model.Precision) is { Quantized: true } => $"downloaded and converted into the cache; {model.Target}'s vendor " +
                        $"compiler quantizes it when the model is compiled",
                _ => $"downloaded and converted into the cache; nothing quantized ({model.Precision} needs no quantization)",
            };
            var actions = outcome.Completed == PipelineStage.Download
                ? string.Empty
                : $", {outcome.ActionsRun} actions run, {outcome.ActionsCached} from cache ({CacheVerdict(outcome)})";
            console.Info($"ModelBuild: {model.Name} -> {model.Target} {model.Precision}: {what}{actions}, {Seconds(elapsed)}.");
        }

        private static string CacheVerdict(ModelCompileOutcome outcome) =>
            outcome.ActionsRun == 0 ? "cache hit" : outcome.ActionsCached == 0 ? "cache miss" : "partly cached";

        private static string Seconds(TimeSpan elapsed) => elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

        private static string Size(long bytes) => bytes switch
        {
            < 1024 => bytes.ToString(CultureInfo.InvariantCulture) + " bytes",
            < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
            _ => (bytes / (1024.0 * 1024.0)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        };
    }
}
