using System.Collections.Immutable;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Manifest.OpenModelZoo;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// The ONNX file of an Open Model Zoo model whose <c>postprocessing</c> makes it: every file fetched and
/// verified (SHA-384 and size) into the content store, laid out in a private folder, the steps run there,
/// and the resulting ONNX file stored. Nothing is written outside the cache when a step fails.
/// </summary>
internal static class OpenModelZooInput
{
    public static async Task<FetchedContent> FetchAsync(ModelBuildCache cache, SourceFetcher fetcher, OpenModelZooModel model, Located<string> onnxName, CancellationToken cancellationToken)
    {
        using var scratch = new ScratchDirectory("omz");
        var warnings = ImmutableArray.CreateBuilder<Diagnostic>();
        foreach (var file in model.Files)
        {
            var source = SourceReference.Parse(file.Source.DownloadUrl, Path.GetDirectoryName(model.FilePath)!, file.Source.Location);
            ContentDigest.TryParseHex(DigestAlgorithm.Sha384, file.Sha384, out var sha384);
            var fetched = await fetcher.FetchAsync(source, new ContentPin([sha384!], file.Size), file.Location, progress: null, cancellationToken).ConfigureAwait(false);
            warnings.AddRange(fetched.Warnings);
            var path = Path.Combine(scratch.FullPath, file.Name.Value.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            if (!cache.Content.TryCopyTo(fetched.Digest, output))
            {
                throw new InvalidOperationException($"Blob {fetched.Blob} vanished from the cache.");
            }
        }

        foreach (var step in model.Postprocessing)
        {
            await OpenModelZooPostprocessor.ApplyAsync(model.Name, step, scratch.FullPath, cancellationToken).ConfigureAwait(false);
        }

        var onnx = Path.Combine(scratch.FullPath, onnxName.Value.Replace('/', Path.DirectorySeparatorChar));
        if (!File.Exists(onnx))
        {
            throw new DiagnosticException(OpenModelZooDiagnostics.NoOnnxFile.Create(onnxName.Location, $"'{onnxName.Value}' is not there after the files are fetched and postprocessed"));
        }

        var blob = await cache.Content.PutFileAsync(onnx, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new FetchedContent(blob.Digest, blob.Size, null) { Warnings = warnings.ToImmutable() };
    }
}
