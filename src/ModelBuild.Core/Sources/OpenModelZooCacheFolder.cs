namespace ModelBuild.Core.Sources;

/// <summary>
/// An Open Model Zoo downloader cache (<c>omz_downloader --cache_dir</c>), read and written in its layout: a format
/// folder <c>1</c>, each file at <c>1/&lt;first two hex digits of its SHA-384&gt;/&lt;the other 94&gt;</c> (lower case),
/// written to <c>1/staging/</c> first and renamed into place. Its entries are trusted for nothing: the fetcher
/// checks size and every pinned digest while it copies one into ModelBuild's content store.
/// </summary>
public sealed class OpenModelZooCacheFolder
{
    /// <summary>The format folder Open Model Zoo's downloader writes (its cache format 1).</summary>
    public const string FormatFolder = "1";

    /// <param name="root">The folder given to <c>--cache_dir</c>.</param>
    public OpenModelZooCacheFolder(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The folder given to <c>--cache_dir</c>.</summary>
    public string Root { get; }

    /// <summary>Where the file with SHA-384 <paramref name="sha384"/> lives.</summary>
    public string PathOf(ContentDigest sha384)
    {
        ArgumentNullException.ThrowIfNull(sha384);
        if (sha384.Algorithm != DigestAlgorithm.Sha384)
        {
            throw new ArgumentException($"Open Model Zoo's cache is keyed by SHA-384, not {sha384.AlgorithmName}.", nameof(sha384));
        }

        return Path.Combine(Root, FormatFolder, sha384.Hex[..2], sha384.Hex[2..]);
    }

    /// <summary>The entry for <paramref name="sha384"/>, open for reading; null when there is none.</summary>
    public FileStream? TryOpen(ContentDigest sha384)
    {
        try
        {
            var share = FileShare.Read | FileShare.Delete;
            return new FileStream(PathOf(sha384), FileMode.Open, FileAccess.Read, share, 1 << 16, useAsync: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> as the entry for <paramref name="sha384"/> (replacing one found corrupt): copied to
    /// <c>1/staging/</c>, then renamed, so a reader never sees half a file. The caller has verified the content.
    /// </summary>
    /// <exception cref="IOException">The folder cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder cannot be written.</exception>
    public async Task PutAsync(ContentDigest sha384, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var destination = PathOf(sha384);
        var staging = Path.Combine(Root, FormatFolder, "staging");
        Directory.CreateDirectory(staging);
        var temp = Path.Combine(staging, "modelbuild-" + Guid.NewGuid().ToString("N"));
        try
        {
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Move(temp, destination, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
