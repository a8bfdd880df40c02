using ModelBuild.Cli.Downloads;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sources;
using ModelBuild.Protocol;

namespace ModelBuild.Cli.ProjectIntegration;

/// <summary>
/// Carries out one project's request from the MSBuild task: compiles the stale models in parallel
/// (cache first), keeps the others' last results, and writes the project's accessor once every model
/// has a result. A model that fails leaves its output folder as it was.
/// </summary>
internal sealed class CompileRequestRunner(DiagnosticConsole console)
{
    public async Task<int> RunAsync(CompileRequest request, int maxParallelism, CancellationToken cancellationToken)
    {
        var cacheOptions = CacheOptions.FromSettings(request.CacheDir, request.RemoteCache, request.RemoteCacheReadOnly ? true : null, request.CacheMaxSize);
        using var cache = ModelBuildCache.Open(cacheOptions, console.Report);
        var parallelism = maxParallelism > 0 ? maxParallelism : request.MaxParallelism > 0 ? request.MaxParallelism : Environment.ProcessorCount;
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
        var results = new ModelResult?[request.Models.Count];
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = parallelism,
            CancellationToken = cancellationToken,
        };
        await Parallel.ForEachAsync(Enumerable.Range(0, request.Models.Count), options, async (index, token) =>
        {
            var model = request.Models[index];
            if (!model.Stale && ModelOutputFolder.TryRead(model.OutputDir) is { } previous)
            {
                results[index] = previous;
                return;
            }

            // A command-line compile has no project file; its target and precision are options, not item metadata.
            var fromProject = request.ProjectFile.Length > 0;
            var targetAt = fromProject ? ProjectItemLocator.Locate(request.ProjectFile, model.Manifest, "ModelTarget") : null;
            var precisionAt = fromProject ? ProjectItemLocator.Locate(request.ProjectFile, model.Manifest, "Precision") : null;
            var compileRequest = new ModelCompileRequest(model.Manifest, model.Name, model.Target, model.Precision, targetAt, precisionAt);
            var outcome = await compiler.CompileAsync(compileRequest, token).ConfigureAwait(false);
            console.Report(outcome.Diagnostics);
            if (outcome.Model is not { } compiled)
            {
                return;
            }

            try
            {
                results[index] = ModelOutputFolder.Write(cache, compiled, model.OutputDir, model.LogicalName, model.ResourcePrefix, outcome.Dependencies);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A folder that cannot be written (a file in its place, no permission, a full disk) is not an engine fault.
                console.Report(OutputDiagnostics.OutputFolderNotWritable.Create(null, model.Name, model.OutputDir, e.Message));
                return;
            }

            console.Info($"ModelBuild: {model.Name} -> {compiled.Selection.Target.Name} {compiled.Selection.Precision}: {outcome.ActionsRun} actions run, {outcome.ActionsCached} from cache.");
        }).ConfigureAwait(false);
        cache.EnforceSizeBudget();

        if (console.ErrorCount > 0 || results.Any(r => r is null))
        {
            return ExitCodes.Failed;
        }

        if (request.Accessor is { } accessor)
        {
            var code = AccessorGenerator.Generate(accessor, results!, EngineIdentity.Current.DisplayVersion);
            if (!File.Exists(accessor.FilePath) || File.ReadAllText(accessor.FilePath) != code)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(accessor.FilePath)!);
                File.WriteAllText(accessor.FilePath, code);
            }
        }

        return ExitCodes.Success;
    }
}
