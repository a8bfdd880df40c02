using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.NnArchives;

namespace ModelBuild.Core.Sources;

/// <summary>Streams one file out of an NN Archive into the content store, hashing it on the way; nothing is extracted to disk.</summary>
internal sealed class NnArchiveMemberResolver(ContentStore content) : SourceResolver<NnArchiveMemberSource>
{
    protected override Task<FetchedContent> FetchAsync(
        NnArchiveMemberSource source,
        FetchRequest request,
        CancellationToken cancellationToken)
    {
        if (!File.Exists(source.ArchivePath))
        {
            throw new DiagnosticException(SourceDiagnostics.LocalFileNotFound.Create(request.At, source.ArchivePath, ""));
        }

        return new NnArchiveFile(source.ArchivePath).ReadMemberAsync(
            source.Member,
            member => PinnedPut.StoreAsync(content, member, source, request, source.ArchivePath, cancellationToken),
            request.At);
    }
}
