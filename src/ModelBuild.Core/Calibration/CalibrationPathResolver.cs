using System.Collections.Immutable;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Calibration;

/// <summary>Fetches one source into the content store (through the action runner, so once across processes); the caller's
/// choice of verification, pinning and lock file applies.</summary>
/// <param name="source">What to fetch.</param>
/// <param name="at">Where the manifest names it.</param>
/// <param name="cancellationToken">Stops the fetch.</param>
public delegate Task<FetchedContent> CalibrationFetch(SourceReference source, SourceLocation at, CancellationToken cancellationToken);

/// <summary>A stage whose calibration and evaluation paths are local folders, with what it took to make them so.</summary>
/// <param name="Stage">The stage; every <c>calibration.path</c> and <c>quantization.evaluation.path</c> that named an archive or a
/// remote source now names the folder it was extracted to (an absolute path, at the same manifest line).</param>
/// <param name="Warnings">The fetches' warnings (a remote source without a pin and no lock file: MB2015).</param>
/// <param name="Dependencies">Local archives read, so the next build notices an edit.</param>
public sealed record ResolvedCalibrationPaths(
    ManifestStage Stage,
    ImmutableArray<Diagnostic> Warnings,
    ImmutableArray<string> Dependencies);

/// <summary>
/// Turns a manifest's calibration and evaluation paths into local folders, as ModelConverter reads
/// <c>calibration.path</c>: a local folder is used as it is; a local archive, or any model source (<c>s3://</c>,
/// <c>https://</c>, <c>hf:</c>, <c>npm:</c>, <c>nuget:</c>, <c>gdrive:</c>) naming a <c>.zip</c>, <c>.tar</c>,
/// <c>.tar.gz</c> or <c>.tar.xz</c>, is fetched through the cache — with the models' verification and
/// <c>models.lock.json</c> pinning — and unpacked by the <see cref="ArchiveExtractor"/> (its safety rules apply) into
/// <c>unpacked/&lt;archive sha256&gt;</c> under the cache root, once per archive content. The data is the archive's
/// content root: the first folder, going down through lone subfolders, that holds files (ModelConverter's rule).
/// </summary>
public sealed class CalibrationPathResolver(ModelBuildCache cache, CalibrationFetch fetch)
{
    private static readonly string[] ArchiveSuffixes = [".zip", ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz"];

    // Entries ModelConverter passes over when it looks for an archive's content root (besides dot-files).
    private static readonly HashSet<string> IgnoredEntries = new(StringComparer.Ordinal) { "__MACOSX", "Thumbs.db", "desktop.ini" };

    /// <summary>
    /// The stage with its calibration and evaluation paths made local. Paths that are already local folders, or
    /// local paths that do not exist (reported later, MB8101, at their line), are left as they are.
    /// </summary>
    /// <param name="stage">The manifest stage.</param>
    /// <param name="manifestDirectory">What relative paths are relative to.</param>
    /// <param name="cancellationToken">Stops fetching and unpacking.</param>
    /// <exception cref="DiagnosticException">A source cannot be fetched, is not an archive (MB8190), or an archive is unsafe or
    /// unreadable (MB2060–MB2062).</exception>
    public async Task<ResolvedCalibrationPaths> ResolveAsync(
        ManifestStage stage,
        string manifestDirectory,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(manifestDirectory);
        var run = new Run(this, manifestDirectory, cancellationToken);
        var defaults = stage.Defaults.Calibration is { } calibration
            ? stage.Defaults with { Calibration = await run.ResolveAsync(calibration).ConfigureAwait(false) }
            : stage.Defaults;
        var inputs = new List<InputSpec>(stage.Inputs.Count);
        foreach (var input in stage.Inputs)
        {
            inputs.Add(input.Calibration is { } own
                ? input with { Calibration = await run.ResolveAsync(own).ConfigureAwait(false) }
                : input);
        }

        var quantization = stage.Quantization;
        if (quantization?.Evaluation is { Path: { } evaluationPath } evaluation)
        {
            quantization = quantization with
            {
                Evaluation = evaluation with { Path = await run.ResolvePathAsync(evaluationPath).ConfigureAwait(false) },
            };
        }

        var resolved = stage with { Defaults = defaults, Inputs = inputs, Quantization = quantization };
        return new ResolvedCalibrationPaths(resolved, [.. run.Warnings], [.. run.Dependencies]);
    }

    private static bool TryArchiveFormat(string path, out ArchiveFormat format)
    {
        var name = path.Split('?', '#')[0];
        var suffix = ArchiveSuffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase));
        format = suffix switch
        {
            ".zip" => ArchiveFormat.Zip,
            ".tar" => ArchiveFormat.Tar,
            ".tar.gz" or ".tgz" => ArchiveFormat.TarGz,
            _ => ArchiveFormat.TarXz,
        };
        return suffix is not null;
    }

    /// <summary>The first folder from <paramref name="folder"/> down through lone subfolders that holds a file.</summary>
    private static string ContentRoot(string folder)
    {
        var current = folder;
        while (true)
        {
            var entries = Directory.EnumerateFileSystemEntries(current)
                .Where(e => Path.GetFileName(e) is var name && !name.StartsWith('.') && !IgnoredEntries.Contains(name))
                .ToList();
            var subfolders = entries.Where(Directory.Exists).ToList();
            if (entries.Count > subfolders.Count || subfolders.Count != 1)
            {
                return current;
            }

            current = subfolders[0];
        }
    }

    /// <summary>Unpacks the blob <paramref name="archive"/> once into the cache; a folder already there was moved in whole, so it is
    /// complete.</summary>
    private async Task<string> UnpackAsync(
        StoredBlob archive,
        ArchiveFormat format,
        string shownAs,
        SourceLocation at,
        CancellationToken token)
    {
        var unpacked = Path.Combine(cache.Root, ModelBuildCache.UnpackedFolder);
        var folder = Path.Combine(unpacked, archive.Digest.Hex);
        if (Directory.Exists(folder))
        {
            return folder;
        }

        if (!cache.Content.TryGetPath(archive.Digest, out var blobPath))
        {
            throw new InvalidOperationException($"Blob {archive} vanished from the cache.");
        }

        // Unpacked straight from the blob (the extractor's messages name the source's file), then moved into place in one rename.
        var staging = Path.Combine(unpacked, "." + archive.Digest.Hex[..16] + "-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var content = Path.Combine(staging, "content");
            await new ArchiveExtractor().ExtractAsync(blobPath, format, content, at, SafeFileName(shownAs), token).ConfigureAwait(false);
            try
            {
                Directory.Move(content, folder);
            }
            catch (IOException) when (Directory.Exists(folder))
            {
                // Another process unpacked the same archive first; its folder is the same content.
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        return folder;
    }

    private static string SafeFileName(string shownAs)
    {
        var name = Path.GetFileName(shownAs.Split('?', '#')[0].Replace('\\', '/').TrimEnd('/'));
        return name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 ? "calibration-archive" : name;
    }

    /// <summary>One resolution: paths already resolved are reused (the stage default is often repeated in every input).</summary>
    private sealed class Run(CalibrationPathResolver owner, string manifestDirectory, CancellationToken cancellationToken)
    {
        private readonly Dictionary<string, string> _folders = new(StringComparer.Ordinal);

        public List<Diagnostic> Warnings { get; } = [];

        public List<string> Dependencies { get; } = [];

        public async Task<Located<CalibrationSpec>> ResolveAsync(Located<CalibrationSpec> calibration) =>
            calibration.Value is ImageCalibration images
                ? calibration with { Value = images with { Path = await ResolvePathAsync(images.Path).ConfigureAwait(false) } }
                : calibration;

        public async Task<Located<string>> ResolvePathAsync(Located<string> path)
        {
            if (!_folders.TryGetValue(path.Value, out var folder))
            {
                folder = await FolderAsync(path).ConfigureAwait(false);
                _folders[path.Value] = folder;
            }

            return folder == path.Value ? path : path with { Value = folder };
        }

        private async Task<string> FolderAsync(Located<string> path)
        {
            // An existing folder is used as it is, whatever its name looks like (data:2024 is a folder here, not a scheme).
            if (!path.Value.Contains("://", StringComparison.Ordinal)
                && Directory.Exists(Path.GetFullPath(path.Value, Path.GetFullPath(manifestDirectory))))
            {
                return path.Value;
            }

            var source = SourceReference.Parse(path.Value, manifestDirectory, path.Location);
            var isArchive = TryArchiveFormat(path.Value, out var format);
            if (source is LocalFileSource local && (!isArchive || !File.Exists(local.FullPath)))
            {
                // A folder, or something the calibration reader reports at its line (missing: MB8101; a file: MB8110).
                return path.Value;
            }

            if (!isArchive)
            {
                throw new DiagnosticException(CalibrationDiagnostics.RemoteNotArchive.Create(path.Location, source.DisplayText));
            }

            var fetched = await owner.FetchAsync(source, path.Location, cancellationToken).ConfigureAwait(false);
            Warnings.AddRange(fetched.Warnings);
            if (fetched.LocalPath is { } localPath)
            {
                Dependencies.Add(Path.GetFullPath(localPath));
            }

            var unpacked = await owner.UnpackAsync(fetched.Blob, format, source.DisplayText, path.Location, cancellationToken)
                .ConfigureAwait(false);
            return ContentRoot(unpacked);
        }
    }

    private Task<FetchedContent> FetchAsync(SourceReference source, SourceLocation at, CancellationToken cancellationToken) =>
        fetch(source, at, cancellationToken);
}
