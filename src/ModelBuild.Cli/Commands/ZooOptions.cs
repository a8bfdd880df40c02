using System.CommandLine;
using ModelBuild.Cli.Downloads;
using ModelBuild.Cli.Zoo;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Zoo;

namespace ModelBuild.Cli.Commands;

/// <summary>
/// The whole-zoo options <c>convert</c> and <c>quantize</c> share, as Open Model Zoo's converter and quantizer take them:
/// <c>--models_dir</c> with <c>--all</c>, <c>--name</c> or <c>--list</c>, <c>--precisions</c>, <c>-j</c> and
/// <c>--progress_format</c>; the run itself is <see cref="ZooPlanner"/> and <see cref="ZooRunner"/>.
/// </summary>
internal sealed class ZooOptions
{
    /// <summary><c>--models_dir</c>: its presence makes the command a whole-zoo run.</summary>
    public Option<DirectoryInfo?> ModelsDir { get; } = new("--models_dir", "--models-dir")
    {
        Description = "A folder of manifests (model.yml files and ModelBuild manifests): run every selected model into " +
            "<-o>/<subdirectory>/<precision>/, as Open Model Zoo's converter does.",
    };

    private readonly Option<bool> _all = new("--all") { Description = "With --models_dir: every model." };

    private readonly Option<FileInfo?> _list = new("--list")
    {
        Description = "With --models_dir: models matching the patterns in this file (one per line, # comments).",
    };

    private readonly Option<string?> _precisions = new("--precisions")
    {
        Description = "With --models_dir: the precisions to make, comma-separated (FP16,FP32-INT8); default FP16,FP32 for convert, " +
            "FP16-INT8,FP32-INT8 for quantize.",
    };

    private readonly Option<int> _jobs = new("--jobs", "-j")
    {
        Description = "With --models_dir: models and precisions made at once.",
        DefaultValueFactory = _ => 1,
    };

    private readonly Option<string> _format = new("--progress_format", "--progress-format")
    {
        Description = "With --models_dir: text, or json (one event object per line).",
        DefaultValueFactory = _ => "text",
    };

    public ZooOptions() => _format.AcceptOnlyFromAmong("text", "json");

    public void AddTo(Command command)
    {
        command.Options.Add(ModelsDir);
        command.Options.Add(_all);
        command.Options.Add(_list);
        command.Options.Add(_precisions);
        command.Options.Add(_jobs);
        command.Options.Add(_format);
    }

    /// <summary>True when <c>--models_dir</c> was given.</summary>
    public bool IsZooRun(ParseResult parse) => parse.GetValue(ModelsDir) is not null;

    /// <summary>
    /// Selects the models, plans the jobs and runs them through <see cref="ConvertCommand.Conversion"/>; prints the failed
    /// models at the end (text) as Open Model Zoo's converter does.
    /// </summary>
    public async Task<int> RunAsync(
        ParseResult parse,
        ZooRunKind kind,
        ZooRunSettings settings,
        DiagnosticConsole console,
        CancellationToken cancellationToken)
    {
        var root = parse.GetValue(ModelsDir)!.FullName;
        var json = parse.GetValue(_format) == "json";
        var precisions = ZooPlanner.ReadPrecisions(parse.GetValue(_precisions), kind);
        var catalog = ModelCatalog.Load(root, console.Report);
        if (console.ErrorCount > 0)
        {
            return ExitCodes.Failed;
        }

        var selected = ModelSelection.Select(catalog, parse.GetValue(_all), settings.NamePatterns, parse.GetValue(_list)?.FullName, root);
        var plan = ZooPlanner.Plan(
            [.. selected.Select(m => new ZooModel(m.Name, m.Subdirectory, m.ManifestPath))],
            settings.Target,
            precisions,
            settings.OutputRoot ?? Environment.CurrentDirectory);

        // In JSON mode standard output carries only events; each job's own lines are dropped, its diagnostics still go to stderr.
        var jobConsole = json ? new DiagnosticConsole(TextWriter.Null, Console.Error) : console;
        IZooProgress progress = json ? new ZooEvents(Console.Out, kind) : new ZooTextProgress(console, kind, settings.DryRun);
        var runner = new ZooRunner((job, token) => RunJobAsync(job, settings, jobConsole, token), progress);
        var failed = await runner.RunAsync(plan, parse.GetValue(_jobs), settings.DryRun, cancellationToken).ConfigureAwait(false);
        if (failed.Count > 0 && !json)
        {
            console.Info("FAILED:");
            foreach (var job in failed)
            {
                console.Info($"{job.Model.Name} ({job.Precision})");
            }
        }

        return failed.Count > 0 ? ExitCodes.Failed : ExitCodes.Success;
    }

    private static async Task<bool> RunJobAsync(
        ZooJob job,
        ZooRunSettings settings,
        DiagnosticConsole console,
        CancellationToken cancellationToken)
    {
        var request = new ModelCompileRequest(job.Model.ManifestPath, job.Model.Name, settings.Target, job.Precision)
        {
            NameIsDefault = true,
        };
        var conversion = new ConvertCommand.Conversion(console, request, job.OutputFolder, settings.CacheRoot, settings.Salt);
        try
        {
            var code = settings.DryRun
                ? await conversion.PreviewAsync(cancellationToken).ConfigureAwait(false)
                : await conversion.RunAsync(cancellationToken).ConfigureAwait(false);
            return code == ExitCodes.Success;
        }
        catch (DiagnosticException e)
        {
            console.Report(e.Diagnostic);
            return false;
        }
    }
}

/// <summary>The settings of a whole-zoo run that come from the command's own options.</summary>
internal sealed record ZooRunSettings(
    string? NamePatterns,
    string? OutputRoot,
    bool DryRun,
    string Target,
    string? CacheRoot,
    string? Salt);
