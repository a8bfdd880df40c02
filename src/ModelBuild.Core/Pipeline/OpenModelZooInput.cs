using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Manifest.OpenModelZoo;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// The ONNX file of an Open Model Zoo model whose <c>postprocessing</c> makes it: every file fetched and
/// verified (SHA-384 and size) into the content store, then the <c>omz-postprocess</c> action — keyed by the
/// files' digests and the steps — lays them out in a private folder, runs the steps and stores the ONNX file
/// they leave. Nothing is written outside the cache, and a failing step stores nothing.
/// </summary>
internal static class OpenModelZooInput
{
    private const string ModelOutput = "model";

    public static async Task<FetchedContent> FetchAsync(
        ModelBuildCache cache, SourceFetcher fetcher, ActionRunner actions, ActionKeys keys, ActionTally tally,
        OpenModelZooModel model, Located<string> onnxName, CancellationToken cancellationToken)
    {
        var warnings = ImmutableArray.CreateBuilder<Diagnostic>();
        var files = new List<KeyValuePair<string, Sha256Digest>>();
        foreach (var file in model.Files)
        {
            var source = SourceReference.Parse(file.Source.SourceText, Path.GetDirectoryName(model.FilePath)!, file.Source.Location);
            ContentDigest.TryParseHex(DigestAlgorithm.Sha384, file.Sha384, out var sha384);
            var fetched = await fetcher.FetchAsync(
                source,
                new ContentPin([sha384!], file.Size),
                file.Location,
                progress: null,
                cancellationToken).ConfigureAwait(false);
            warnings.AddRange(fetched.Warnings);
            files.Add(new(file.Name.Value, fetched.Digest));
        }

        var options = new JsonObject
        {
            ["steps"] = new JsonArray([.. model.Postprocessing.Select(Describe)]),
            ["model"] = onnxName.Value,
        };
        var record = await actions.RunAsync(keys.Postprocess(files, options), $"{model.Name}: postprocess", async () =>
        {
            using var scratch = new ScratchDirectory("omz");
            foreach (var (name, digest) in files)
            {
                var path = Path.Combine(scratch.FullPath, name.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                if (!cache.Content.TryCopyTo(digest, output))
                {
                    throw new DiagnosticException(CacheDiagnostics.BlobLostInUse.Create(null, $"sha256 {digest}", cache.Root));
                }
            }

            foreach (var step in model.Postprocessing)
            {
                await OpenModelZooPostprocessor.ApplyAsync(model.Name, step, scratch.FullPath, cancellationToken).ConfigureAwait(false);
            }

            var onnx = Path.Combine(scratch.FullPath, onnxName.Value.Replace('/', Path.DirectorySeparatorChar));
            if (!File.Exists(onnx))
            {
                throw new DiagnosticException(OpenModelZooDiagnostics.NoOnnxFile
                    .Create(onnxName.Location, $"'{onnxName.Value}' is not there after the files are fetched and postprocessed"));
            }

            var blob = await cache.Content.PutFileAsync(onnx, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ActionRecord("omz-postprocess", [new(ModelOutput, blob)]);
        }, tally, cancellationToken).ConfigureAwait(false);
        var stored = record.Outputs[ModelOutput];
        return new FetchedContent(stored.Digest, stored.Size, null) { Warnings = warnings.ToImmutable() };
    }

    private static JsonNode Describe(OpenModelZooPostprocessing step) => step switch
    {
        OpenModelZooUnpackArchive unpack => new JsonObject
        {
            ["$type"] = "unpack_archive",
            ["file"] = unpack.File.Value,
            ["format"] = unpack.Format
        },
        OpenModelZooRegexReplace replace => new JsonObject
        {
            ["$type"] = "regex_replace",
            ["file"] = replace.File.Value,
            ["pattern"] = replace.Pattern,
            ["replacement"] = replace.Replacement,
            ["count"] = replace.Count,
        },
        _ => throw new InvalidOperationException($"Unknown postprocessing step {step.GetType().Name}."),
    };
}
