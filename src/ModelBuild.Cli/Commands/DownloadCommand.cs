using System.CommandLine;
using ModelBuild.Cli.Downloads;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest.OpenModelZoo;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Zoo;

namespace ModelBuild.Cli.Commands;

/// <summary>
/// <c>modelbuild download</c>: Open Model Zoo's downloader over a folder of manifests (its
/// <c>model.yml</c> files and ModelBuild manifests), with its options and JSON events, on
/// ModelBuild's verified, resumable, cached fetcher.
/// </summary>
internal static class DownloadCommand
{
    public static Command Create()
    {
        var models = new Option<DirectoryInfo?>("--models_dir", "--models-dir")
        {
            Description = "The folder of manifests (model.yml files and ModelBuild manifests); default: the current folder."
        };
        var all = new Option<bool>("--all") { Description = "Download every model." };
        var name = new Option<string?>("--name")
        {
            Description = "Download models whose names match one of these comma-separated shell patterns (a,b*)."
        };
        var list = new Option<FileInfo?>("--list")
        {
            Description = "Download models matching the patterns in this file (one per line, # comments)."
        };
        var printAll = new Option<bool>("--print_all", "--print-all") { Description = "Print the names of all models and exit." };
        var precisions = new Option<string?>("--precisions")
        {
            Description = "Only these precisions of OpenVINO IR models (comma-separated)."
        };
        var output = new Option<DirectoryInfo?>("--output_dir", "--output-dir", "-o")
        {
            Description = "Where the models go (<dir>/<subdirectory>/); default: the current folder."
        };
        var cacheDir = new Option<DirectoryInfo?>("--cache_dir", "--cache-dir")
        {
            Description = "The cache (default: MODELBUILD_CACHE, else the per-user folder); an Open Model Zoo downloader cache " +
                "there (1/ab/cdef..., SHA-384 keyed) is reused, verified, and kept up to date."
        };
        var attempts = new Option<int>("--num_attempts", "--num-attempts")
        {
            Description = "Attempts per file.",
            DefaultValueFactory = _ => 1
        };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Downloads at once.", DefaultValueFactory = _ => 1 };
        var format = new Option<string>("--progress_format", "--progress-format")
        {
            Description = "text or json (Open Model Zoo's events, one per line).",
            DefaultValueFactory = _ => "text"
        };
        format.AcceptOnlyFromAmong("text", "json");
        var offline = new Option<bool>("--offline") { Description = "No network: files missing from the cache are errors." };
        var lockFile = new Option<FileInfo?>("--lock-file")
        {
            Description = "A models.lock.json pinning sources the manifests do not pin."
        };
        var locked = new Option<bool>("--locked") { Description = "Fail instead of adding to the lock file (CI)." };

        var command = new Command("download", "Download models like Open Model Zoo's downloader, verified and resumable.")
        {
            models, all, name, list, printAll, precisions, output, cacheDir, attempts, jobs, format, offline, lockFile, locked,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var console = new DiagnosticConsole();
            return await EngineRun.GuardAsync(console, async () =>
            {
                var root = parse.GetValue(models)?.FullName ?? Environment.CurrentDirectory;
                var catalog = ModelCatalog.Load(root, console.Report);
                if (parse.GetValue(printAll))
                {
                    foreach (var model in catalog)
                    {
                        Console.Out.WriteLine(model.Name);
                    }

                    return console.ErrorCount > 0 ? ExitCodes.Failed : ExitCodes.Success;
                }

                var selected = ModelSelection.Select(
                    catalog,
                    parse.GetValue(all),
                    parse.GetValue(name),
                    parse.GetValue(list)?.FullName,
                    root);
                var requested = RequestedPrecisions(parse.GetValue(precisions));
                var parallel = Math.Max(1, parse.GetValue(jobs));
                var cache = ModelBuildCache.Open(parse.GetValue(cacheDir)?.FullName, console.Report);
                IDownloadReporter reporter = parse.GetValue(format) == "json"
                    ? new OpenModelZooEvents(Console.Out)
                    : new TextDownloadReporter(Console.Out, interactive: !Console.IsOutputRedirected);
                if (parse.GetValue(locked) && parse.GetValue(lockFile) is null)
                {
                    throw new DiagnosticException(DownloadDiagnostics.SelectionRequired
                        .Create(null, "--locked needs --lock-file, the lock file that must not change."));
                }

                using var fetcher = new SourceFetcher(cache, new SourceFetcherOptions
                {
                    Offline = parse.GetValue(offline),
                    MaxParallelDownloads = parallel,
                    LockFile = parse.GetValue(lockFile) is { } lockPath
                        ? ModelLockFile.Open(lockPath.FullName, parse.GetValue(locked))
                        : null,
                    Http = HttpDownloadOptions.Default with { MaxAttempts = Math.Max(1, parse.GetValue(attempts)) },
                    Log = console.Info,
                    OpenModelZooCache = parse.GetValue(cacheDir) is { } shared ? new OpenModelZooCacheFolder(shared.FullName) : null,
                });
                var downloader = new ModelDownloader(
                    cache,
                    fetcher,
                    reporter,
                    console.Report,
                    parse.GetValue(output)?.FullName ?? Environment.CurrentDirectory,
                    requested,
                    parallel);
                var failed = await downloader.DownloadAsync(selected, cancellationToken).ConfigureAwait(false);
                reporter.Failed(failed);
                return failed.Count > 0 || console.ErrorCount > 0 ? ExitCodes.Failed : ExitCodes.Success;
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static HashSet<string> RequestedPrecisions(string? text)
    {
        if (text is null)
        {
            return [.. OpenModelZooModel.KnownPrecisions];
        }

        var requested = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.Ordinal);
        var unknown = requested.Where(p => !OpenModelZooModel.KnownPrecisions.Contains(p)).Order(StringComparer.Ordinal).ToList();
        return unknown.Count == 0
            ? requested
            : throw new DiagnosticException(DownloadDiagnostics.UnknownPrecision
                .Create(null, string.Join(", ", unknown), string.Join(", ", OpenModelZooModel.KnownPrecisions)));
    }
}
