using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>Copies a local file into the content store, hashing it on the way.</summary>
internal sealed class LocalFileResolver(ContentStore content) : SourceResolver<LocalFileSource>
{
    protected override async Task<FetchedContent> FetchAsync(
        LocalFileSource source,
        FetchRequest request,
        CancellationToken cancellationToken)
    {
        if (!File.Exists(source.FullPath))
        {
            throw Directory.Exists(source.FullPath)
                ? new DiagnosticException(SourceDiagnostics.LocalFileUnreadable
                    .Create(request.At, source.FullPath, "it is a folder; name the model file inside it"))
                : new DiagnosticException(
                    SourceDiagnostics.LocalFileNotFound.Create(request.At, source.FullPath, Suggestions(source.FullPath)));
        }

        try
        {
            var file = new FileStream(
                source.FullPath,
                FileMode.Open,
                FileAccess.Read,
                FileShare.Read,
                1 << 16,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (file.ConfigureAwait(false))
            {
                return await PinnedPut.StoreAsync(content, file, source, request, source.FullPath, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or FileNotFoundException)
        {
            throw new DiagnosticException(SourceDiagnostics.LocalFileUnreadable.Create(request.At, source.FullPath, e.Message), e);
        }
    }

    private static string Suggestions(string fullPath)
    {
        var folder = Path.GetDirectoryName(fullPath);
        if (folder is null || !Directory.Exists(folder))
        {
            return string.IsNullOrEmpty(folder) ? "" : $" (the folder {folder} does not exist either)";
        }

        var similar = SimilarPaths.Rank(
            Path.GetFileName(fullPath),
            Directory.EnumerateFiles(folder).Select(f => Path.GetFileName(f)),
            count: 3);
        return similar.Count == 0 ? " (the folder is empty)" : $" (files there include: {string.Join(", ", similar)})";
    }
}
