using System.Text;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest.OpenModelZoo;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// Runs an Open Model Zoo model's <c>postprocessing</c> in the folder its files were written to, as its
/// downloader does: <c>unpack_archive</c> unpacks safely beside the archive and deletes it; <c>regex_replace</c>
/// patches a UTF-8 text file, where a pattern matching nothing (or fewer times than <c>count</c>) is an error.
/// Used by <c>modelbuild download</c> and by builds of a model.yml manifest.
/// </summary>
public static class OpenModelZooPostprocessor
{
    /// <summary>Applies <paramref name="step"/> of model <paramref name="modelName"/> in <paramref name="folder"/>.</summary>
    /// <exception cref="DiagnosticException">MB2113 at the step's file, or an archive refused by the extractor.</exception>
    public static async Task ApplyAsync(
        string modelName,
        OpenModelZooPostprocessing step,
        string folder,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        var path = Path.Combine(folder, step.File.Value.Replace('/', Path.DirectorySeparatorChar));
        var at = step.File.Location;
        switch (step)
        {
            case OpenModelZooUnpackArchive unpack:
                if (!File.Exists(path))
                {
                    throw Failed(modelName, step, "the archive is not there");
                }

                if (!ArchiveExtractor.TryParseFormat(unpack.Format, out var format))
                {
                    throw Failed(modelName, step, $"unknown archive format '{unpack.Format}'");
                }

                await new ArchiveExtractor()
                    .ExtractAsync(path, format, Path.GetDirectoryName(path)!, at, cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
                File.Delete(path);
                break;

            case OpenModelZooRegexReplace replace:
                if (!File.Exists(path))
                {
                    throw Failed(modelName, step, "the file is not there");
                }

                // The original is kept once, so running the downloader again patches the original, not a patched copy.
                var original = path + ".orig";
                if (!File.Exists(original))
                {
                    File.Copy(path, original);
                }

                var text = await File.ReadAllTextAsync(original, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
                PythonRegex.TryTranslatePattern(replace.Pattern, out var regex, out _);
                var count = regex!.Count(text);
                if (count == 0)
                {
                    throw Failed(modelName, step, $"the pattern '{replace.Pattern}' matches nothing");
                }

                if (replace.Count != 0 && count < replace.Count)
                {
                    throw Failed(modelName, step, $"expected at least {replace.Count} matches of '{replace.Pattern}', found {count}");
                }

                var patched = regex.Replace(
                    text,
                    PythonRegex.TranslateReplacement(replace.Replacement),
                    replace.Count == 0 ? -1 : replace.Count);
                await File.WriteAllTextAsync(path, patched, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private static DiagnosticException Failed(string modelName, OpenModelZooPostprocessing step, string reason) =>
        new(OpenModelZooDiagnostics.PostprocessingFailed.Create(step.File.Location, modelName, step.File.Value, reason));
}
