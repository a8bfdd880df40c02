using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest.OpenModelZoo;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Zoo;

/// <summary>
/// Downloads models into <c>&lt;output&gt;/&lt;subdirectory&gt;/</c>, as Open Model Zoo's downloader
/// lays them out, but through ModelBuild's fetcher: every file verified (size and SHA-384, or the
/// manifest's pin) before it is written, the content-addressed cache shared with builds, downloads
/// resumable across runs, and postprocessing (archives unpacked safely, text patched) applied after
/// every file of a model arrived. Models run in parallel up to <paramref name="jobs"/>.
/// </summary>
public sealed class ModelDownloader(
    ModelBuildCache cache,
    SourceFetcher fetcher,
    IDownloadReporter reporter,
    Action<Diagnostic> report,
    string outputRoot,
    IReadOnlySet<string> precisions,
    int jobs)
{
    /// <summary>Downloads every model; returns the names of those that failed.</summary>
    public async Task<IReadOnlyList<string>> DownloadAsync(IReadOnlyList<CatalogModel> models, CancellationToken cancellationToken)
    {
        models = [.. models.SelectMany(m => m.Parts)];
        var results = new bool[models.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, models.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs), CancellationToken = cancellationToken },
            async (index, token) => results[index] = await DownloadModelAsync(models[index], token)
                .ConfigureAwait(false)).ConfigureAwait(false);
        return [.. models.Where((_, i) => !results[i]).Select(m => m.Name)];
    }

    private async Task<bool> DownloadModelAsync(CatalogModel model, CancellationToken cancellationToken)
    {
        List<ModelFile> files;
        try
        {
            files = FilesOf(model);
        }
        catch (DiagnosticException e)
        {
            report(e.Diagnostic);
            reporter.ModelBegin(model.Name, 0);
            reporter.ModelEnd(model.Name, false);
            return false;
        }

        var folder = Path.Combine(outputRoot, model.Subdirectory.Replace('/', Path.DirectorySeparatorChar));
        reporter.ModelBegin(model.Name, files.Count);
        foreach (var file in files)
        {
            reporter.FileBegin(model.Name, file.Name, file.Pin.Size ?? 0);
            var destination = Path.Combine(folder, file.Name.Replace('/', Path.DirectorySeparatorChar));
            var progress = new FileProgressAdapter(reporter, model.Name, file.Name, file.Pin.Size ?? 0);
            using var copy = new OutputCopy(destination);
            try
            {
                // A download writes the output copy from its own buffers; a cache hit (or another kind of source) is copied out.
                var fetched = await fetcher.FetchAsync(file.Source, file.Pin, file.At, progress, copy, cancellationToken)
                    .ConfigureAwait(false);
                ReportAll(fetched.Warnings);
                if (!Commit(copy, fetched.Blob))
                {
                    await CopyOutAsync(fetched.Blob, destination, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (DiagnosticException e)
            {
                report(e.Diagnostic);
                TryDelete(destination);
                reporter.FileEnd(model.Name, file.Name, false, progress.Result);
                reporter.ModelEnd(model.Name, false);
                return false;
            }

            reporter.FileEnd(model.Name, file.Name, true, progress.Result);
        }

        reporter.ModelEnd(model.Name, true);
        if (model.OpenModelZoo is { Postprocessing.Count: > 0 } omz)
        {
            reporter.PostprocessingBegin(model.Name);
            try
            {
                foreach (var step in omz.Postprocessing)
                {
                    await OpenModelZooPostprocessor.ApplyAsync(model.Name, step, folder, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (DiagnosticException e)
            {
                report(e.Diagnostic);
                return false;
            }

            reporter.PostprocessingEnd(model.Name);
        }

        return true;
    }

    /// <summary>The files of a model: an Open Model Zoo model's list (IR precisions filtered), or a manifest's input_model.</summary>
    private List<ModelFile> FilesOf(CatalogModel model)
    {
        if (model.OpenModelZoo is { } omz)
        {
            return [.. omz.Files
                .Where(f => f.Name.Value.Split('/') is not [var p, _] || !OpenModelZooModel.KnownPrecisions.Contains(p)
                    || precisions.Contains(p))
                .Select(f => new ModelFile(
                    f.Name.Value,
                    SourceReference.Parse(f.Source.SourceText, Path.GetDirectoryName(omz.FilePath)!, f.Source.Location),
                    new ContentPin([ContentDigest.TryParseHex(DigestAlgorithm.Sha384, f.Sha384, out var d)
                        ? d
                        : throw new InvalidOperationException("validated")], f.Size),
                    f.Name.Location))];
        }

        var stage = model.Manifest!.Stages[0].InputModel;
        var input = InputModelSource.From(stage, Path.GetDirectoryName(model.ManifestPath)!);
        ReportAll(input.Warnings);
        var name = stage.Stem + Path.GetExtension(stage.Source.Value.Split('?', '#')[0]);
        return [new ModelFile(name, input.Source, input.Pin, stage.Source.Location)];
    }

    /// <summary>
    /// Copies a blob to its place in the output folder (temp file and rename: never half a file there), hashed as
    /// it is copied (a clone where the file system can); a blob found corrupt is quarantined (MB3002) and not copied.
    /// </summary>
    private Task CopyOutAsync(StoredBlob blob, string destination, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var temp = destination + ".modelbuild-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            bool copied;
            using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                copied = cache.Content.TryCopyTo(blob.Digest, target);
            }

            if (!copied)
            {
                throw new DiagnosticException(DownloadDiagnostics.OutputNotWritable
                    .Create(null, destination, "the content vanished from the cache or was corrupt there; download again"));
            }

            File.Move(temp, destination, overwrite: true);
        }
        catch (Exception e) when (StorageFailure.TryDescribe(e, destination) is { } failure)
        {
            throw new DiagnosticException(failure, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiagnosticException(DownloadDiagnostics.OutputNotWritable.Create(null, destination, e.Message), e);
        }
        finally
        {
            TryDelete(temp);
        }

        return Task.CompletedTask;
    }

    /// <summary>Renames the streamed copy into place when it holds <paramref name="blob"/>; false when it does not.</summary>
    private static bool Commit(OutputCopy copy, StoredBlob blob)
    {
        try
        {
            return copy.TryCommit(blob);
        }
        catch (Exception e) when (StorageFailure.TryDescribe(e, copy.Destination) is { } failure)
        {
            throw new DiagnosticException(failure, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiagnosticException(DownloadDiagnostics.OutputNotWritable.Create(null, copy.Destination, e.Message), e);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing was written there by this run, or it is not ours to remove.
        }
    }

    private sealed record ModelFile(string Name, SourceReference Source, ContentPin Pin, SourceLocation At);

    private void ReportAll(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            report(diagnostic);
        }
    }
}
