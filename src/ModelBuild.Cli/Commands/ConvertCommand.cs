using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ModelBuild.Cli.ProjectIntegration;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Manifest.OpenModelZoo;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Zoo;

namespace ModelBuild.Cli.Commands;

/// <summary>
/// <c>modelbuild convert</c>: one manifest through the conversion pipeline, printing each step with its
/// validation against the original; <c>--dry-run</c> prints the plan and the action keys and writes nothing.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var manifest = new Argument<FileInfo?>("manifest")
        {
            Description = "The model manifest (YAML); not with --models_dir.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var target = new Option<string>("--target")
        {
            Description = "The compile target (onnx, ort, ...).",
            DefaultValueFactory = _ => "onnx"
        };
        var precision = new Option<string>("--precision")
        {
            Description = "FP32, FP16, FP32-INT8 or FP16-INT8, as the target supports.",
            DefaultValueFactory = _ => "FP32"
        };
        var outputDir = new Option<DirectoryInfo?>("--output-dir", "-o", "--output_dir")
        {
            Description = "Where the converted files go (default: ./<name>; with --models_dir, the root of <subdirectory>/<precision>/)."
        };
        var name = new Option<string?>("--name")
        {
            Description = "The model's name in its outputs (default: the manifest's file name); with --models_dir, the models to " +
                "convert: comma-separated shell patterns (a,b*), as Open Model Zoo's converter takes them."
        };
        var cacheDir = new Option<DirectoryInfo?>("--cache-dir", "--cache_dir")
        {
            Description = "The local cache (default: MODELBUILD_CACHE, else the per-user folder)."
        };
        var salt = new Option<string?>("--salt") { Description = "Mixed into every action key (ModelBuildCacheSalt)." };
        var mainStage = new Option<string?>("--main-stage", "-m")
        {
            Description = "A multi-stage manifest's main stage, which the model's own description is (default: the first stage)."
        };
        var dryRun = new Option<bool>("--dry-run", "--dry_run")
        {
            Description = "Print the plan and the action keys; fetch, compute and write nothing."
        };

        var overrides = CompileCommand.OverrideArguments();
        var command = new Command(
            "convert",
            "Convert one model: prepare, simplify, FP16 or ORT format, each step checked against the original.")
        {
            manifest, target, precision, outputDir, name, cacheDir, salt, dryRun, mainStage,
        };
        command.Arguments.Add(overrides);
        var zoo = new ZooOptions();
        zoo.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var console = new DiagnosticConsole();
            return await EngineRun.GuardAsync(console, () =>
            {
                var manifestFile = parse.GetValue(manifest);
                if (zoo.IsZooRun(parse) || manifestFile is null)
                {
                    var settings = new ZooRunSettings(
                        parse.GetValue(name),
                        parse.GetValue(outputDir)?.FullName,
                        parse.GetValue(dryRun),
                        parse.GetValue(target)!,
                        parse.GetValue(cacheDir)?.FullName,
                        parse.GetValue(salt));
                    return manifestFile is null && zoo.IsZooRun(parse)
                        ? zoo.RunAsync(parse, ZooRunKind.Convert, settings, console, cancellationToken)
                        : throw new DiagnosticException(ZooDiagnostics.ModeConflict.Create(
                            null,
                            manifestFile is null
                                ? "Give a manifest, or --models_dir with --all, --name or --list."
                                : "Give either a manifest or --models_dir, not both."));
                }

                var givenName = parse.GetValue(name);
                if (givenName is not null && ModelNameRule.Problem(givenName) is { } problem)
                {
                    console.Report(ManifestDiagnostics.UnsafeModelName.Create(null, "--name", ModelNameRule.Display(givenName), problem));
                    return Task.FromResult(ExitCodes.Failed);
                }

                var modelName = givenName ?? OpenModelZooLoader.DefaultModelName(manifestFile.FullName);
                var request = new ModelCompileRequest(
                    manifestFile.FullName,
                    modelName,
                    parse.GetValue(target)!,
                    parse.GetValue(precision)!)
                {
                    NameIsDefault = givenName is null,
                    MainStage = parse.GetValue(mainStage),
                    Overrides = ManifestOverrides.FromArguments(parse.GetValue(overrides) ?? []),
                };
                var folder = parse.GetValue(outputDir)?.FullName ?? Path.GetFullPath(modelName);
                var cacheRoot = parse.GetValue(cacheDir)?.FullName;
                var conversion = new Conversion(console, request, folder, cacheRoot, parse.GetValue(salt));
                return parse.GetValue(dryRun) ? conversion.PreviewAsync(cancellationToken) : conversion.RunAsync(cancellationToken);
            }).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>One model's conversion, of the convert command or of one job of a whole-zoo run.</summary>
    internal sealed class Conversion(
        DiagnosticConsole console,
        ModelCompileRequest request,
        string outputDir,
        string? cacheRoot,
        string? salt)
    {
        public async Task<int> RunAsync(CancellationToken cancellationToken)
        {
            var cache = ModelBuildCache.Open(cacheRoot, console.Report);
            using var fetcher = new SourceFetcher(cache);
            var compiler = new ModelCompiler(cache, fetcher, EngineIdentity.Current, salt, console.Info);
            ModelCompileOutcome outcome;
            CompiledModel model;
            for (var attempt = 1; ; attempt++)
            {
                outcome = await compiler.CompileAsync(request, cancellationToken).ConfigureAwait(false);
                console.Report(outcome.Diagnostics);
                if (outcome.Model is null)
                {
                    return ExitCodes.Failed;
                }

                model = outcome.Model;
                try
                {
                    ModelOutputFolder.Write(cache, model, outputDir, null, string.Empty, outcome.Dependencies, listOutputs: false);
                    break;
                }
                catch (CacheBlobLostException e) when (attempt == 1)
                {
                    // Found corrupt (MB3002) or gone while copied out: the next compile makes it anew.
                    console.Info($"ModelBuild: {model.Name}: {e.Blob} is no longer valid in the cache; compiling again.");
                }
                catch (CacheBlobLostException e)
                {
                    console.Report(CacheDiagnostics.BlobLostAgain.Create(null, e.Blob, cache.Root));
                    return ExitCodes.Failed;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    console.Report(OutputDiagnostics.OutputFolderNotWritable.Create(null, model.Name, outputDir, e.Message));
                    return ExitCodes.Failed;
                }
            }

            console.Info($"ModelBuild: {model.Name} -> {model.Selection.Target.Name} {model.Selection.Precision}: {outcome.ActionsRun} " +
                $"actions run, {outcome.ActionsCached} from cache.");
            foreach (var action in model.BuildInfo?["actions"]?.AsArray().OfType<JsonObject>().Skip(1) ?? [])
            {
                console.Info($"  {(string)action["action"]!,-8} {Describe(action)}");
            }

            foreach (var file in model.Files)
            {
                console.Info(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  wrote {Path.Combine(outputDir, file.FileName)} ({file.Blob.Size:N0} bytes, sha256 {file.Blob.Digest.Hex})"));
            }

            console.Info($"  wrote {Path.Combine(outputDir, BuildInfo.FileName)}");
            return ExitCodes.Success;
        }

        public async Task<int> PreviewAsync(CancellationToken cancellationToken)
        {
            var root = ModelBuildCache.ResolveRoot(cacheRoot);

            // A cache that does not exist yet is not created: the preview reads an empty one in a scratch folder instead.
            var scratch = Directory.Exists(root) ? null : Path.Combine(Path.GetTempPath(), $"modelbuild-preview-{Guid.NewGuid():N}");
            try
            {
                var cache = ModelBuildCache.Open(scratch ?? root, console.Report);
                using var fetcher = new SourceFetcher(cache);
                var compiler = new ModelCompiler(cache, fetcher, EngineIdentity.Current, salt, console.Info);
                var preview = await compiler.PreviewAsync(request, cancellationToken).ConfigureAwait(false);
                console.Report(preview.Diagnostics);
                if (!preview.Succeeded)
                {
                    return ExitCodes.Failed;
                }

                var selection = preview.Selection!;
                console.Info($"ModelBuild: {preview.Name} -> {selection.Target.Name} {selection.Precision} (dry run: nothing is fetched, " +
                    $"computed or written)");
                console.Info($"  source   {preview.Source}");
                foreach (var step in preview.Steps)
                {
                    var key = step.Key?.Hex ?? "(not known yet)";
                    var state = step.Key is null ? step.Note : step.Cached ? "cached" : "to run";
                    console.Info($"  {step.Action,-8} {key} {state}");
                    if (step.Options.Count > 0)
                    {
                        console.Info($"           {CanonicalJson.Serialize(step.Options)}");
                    }
                }

                console.Info($"  would write {string.Join(", ", preview.Files)} to {outputDir}");
                return ExitCodes.Success;
            }
            finally
            {
                if (scratch is not null && Directory.Exists(scratch))
                {
                    Directory.Delete(scratch, recursive: true);
                }
            }
        }

        private static string Describe(JsonObject action)
        {
            var passes = string.Join(", ", action["passes"]?.AsArray().Select(p => (string)p!["name"]!) ?? []);
            var validation = action["validation"]?.AsObject();
            if (validation?["skipped"] is JsonValue skipped)
            {
                return $"{passes}; not validated: {skipped}";
            }

            var outputs = validation?["outputs"]?.AsArray().OfType<JsonObject>()
                .Select(o => string.Create(
                    CultureInfo.InvariantCulture,
                    $"'{o["name"]}' cosine {(double?)o["cosine"]:0.0000000}, max abs error {(double?)o["max_abs_error"]:G3}{TopOne(o)}"))
                ?? [];
            return $"{passes}; on {validation?["samples"]} inputs: {string.Join("; ", outputs)}";
        }

        private static string TopOne(JsonObject output) =>
            output["top1_agreement"] is JsonValue top
                ? string.Create(CultureInfo.InvariantCulture, $", top-1 {(double)top * 100:0.0}%")
                : "";
    }
}
