using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Manifest.OpenModelZoo;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Toolchains;

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
        OpenModelZooModel model, Located<string> onnxName, VendorBuildSettings tools, CancellationToken cancellationToken)
    {
        // The converter is found (or its absence reported) before anything is downloaded.
        var converter = model.Framework.Value is "onnx" ? null : await ConverterOf(model, tools, cancellationToken).ConfigureAwait(false);
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
        var configFolder = Path.GetDirectoryName(model.FilePath)!;
        if (converter is { } found)
        {
            options["to_onnx"] = found.Conversion.KeyOptions(found.Identities);
            if (found.Conversion.Framework == "pytorch")
            {
                // The script reads the model's code from $config_dir (the model.yml's folder): its files are inputs too.
                foreach (var file in Directory.EnumerateFiles(configFolder).Order(StringComparer.Ordinal))
                {
                    files.Add(new("$config_dir/" + Path.GetFileName(file), Sha256Digest.ComputeFile(file)));
                }
            }
        }

        var record = await actions.RunAsync(keys.Postprocess(files, options), $"{model.Name}: postprocess", async () =>
        {
            using var scratch = new ScratchDirectory("omz");
            files.RemoveAll(f => f.Key.StartsWith("$config_dir/", StringComparison.Ordinal));
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

            var onnx = converter is { } run
                ? await RunConverterAsync(run, scratch.FullPath, configFolder, model.Name, tools, cancellationToken).ConfigureAwait(false)
                : Path.Combine(scratch.FullPath, onnxName.Value.Replace('/', Path.DirectorySeparatorChar));
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

    /// <summary>
    /// The ONNX file of a ModelConverter <c>input_model: *.tflite</c>: the fetched file converted by tf2onnx in the
    /// <c>to-onnx</c> action, keyed by the file's digest, the arguments and the converter's identity.
    /// </summary>
    public static async Task<FetchedContent> ConvertAsync(
        ModelBuildCache cache, ActionRunner actions, ActionKeys keys, ActionTally tally, FetchedContent fetched, string modelName,
        VendorBuildSettings tools, CancellationToken cancellationToken)
    {
        const string fileName = "model.tflite";
        var conversion = ToOnnxConversion.TfLite(fileName);
        var converter = await IdentifyAsync(conversion, modelName, tools, cancellationToken).ConfigureAwait(false);
        var files = new List<KeyValuePair<string, Sha256Digest>> { new(fileName, fetched.Digest) };
        var options = new JsonObject { ["to_onnx"] = conversion.KeyOptions(converter.Identities) };
        var record = await actions.RunAsync(keys.Postprocess(files, options), $"{modelName}: to-onnx", async () =>
        {
            using var scratch = new ScratchDirectory("to-onnx");
            using (var output = new FileStream(Path.Combine(scratch.FullPath, fileName), FileMode.CreateNew, FileAccess.Write))
            {
                if (!cache.Content.TryCopyTo(fetched.Digest, output))
                {
                    throw new DiagnosticException(CacheDiagnostics.BlobLostInUse.Create(null, $"sha256 {fetched.Digest}", cache.Root));
                }
            }

            var onnx = await RunConverterAsync(converter, scratch.FullPath, null, modelName, tools, cancellationToken)
                .ConfigureAwait(false);
            var blob = await cache.Content.PutFileAsync(onnx, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ActionRecord("to-onnx", [new(ModelOutput, blob)]);
        }, tally, cancellationToken).ConfigureAwait(false);
        var stored = record.Outputs[ModelOutput];
        return new FetchedContent(stored.Digest, stored.Size, fetched.LocalPath) { Warnings = fetched.Warnings };
    }

    private static Task<LocatedConverter> ConverterOf(
        OpenModelZooModel model,
        VendorBuildSettings tools,
        CancellationToken cancellationToken) =>
        IdentifyAsync(ToOnnxConversion.ForOpenModelZoo(model), model.Name, tools, cancellationToken);

    private static async Task<LocatedConverter> IdentifyAsync(
        ToOnnxConversion conversion,
        string modelName,
        VendorBuildSettings tools,
        CancellationToken cancellationToken)
    {
        var located = conversion.Locate(new ToolLocator(tools.ToolPaths), modelName);
        using var log = new ToolLog(Path.Combine(Path.GetTempPath(), $"modelbuild-to-onnx-probe-{Guid.NewGuid():N}.log"));
        var identifier = Identifiers.GetOrAdd(conversion.Tools[0], _ => new ToolIdentifier());
        var identities = await ToOnnxConversion.IdentifyAsync(located, identifier, log, cancellationToken).ConfigureAwait(false);
        return new LocatedConverter(conversion, located, identities);
    }

    private static async Task<string> RunConverterAsync(
        LocatedConverter converter,
        string folder,
        string? configFolder,
        string modelName,
        VendorBuildSettings tools,
        CancellationToken cancellationToken)
    {
        // The log outlives the scratch folder, so a failure's message can name it.
        using var log = new ToolLog(Path.Combine(Path.GetTempPath(), $"modelbuild-to-onnx-{modelName}-{Guid.NewGuid():N}.log"));
        return await converter.Conversion
            .RunAsync(converter.Tools, folder, configFolder, log, tools.ToolTimeout, modelName, cancellationToken)
            .ConfigureAwait(false);
    }

    // One per requirement and process: a zoo of many models probes each converter once, and the same python3 asked for
    // tf2onnx's and for PyTorch's version keeps both answers apart.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ToolRequirement, ToolIdentifier> Identifiers = new();

    private sealed record LocatedConverter(
        ToOnnxConversion Conversion,
        IReadOnlyList<LocatedTool> Tools,
        IReadOnlyList<ToolIdentity> Identities);

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
