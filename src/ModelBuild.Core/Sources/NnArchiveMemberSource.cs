using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// A file inside an NN Archive on this machine: <c>nnarchive:&lt;archive path&gt;!&lt;file in the archive&gt;</c>,
/// the archive's path relative to the manifest unless absolute. What an NN Archive given as the manifest
/// (<c>&lt;ModelReference Include="yolo.tar.xz" /&gt;</c>) compiles from: <c>config.json</c>'s <c>model.metadata.path</c>.
/// </summary>
public sealed record NnArchiveMemberSource : SourceReference
{
    internal NnArchiveMemberSource(string archivePath, string member)
    {
        ArchivePath = archivePath;
        Member = member;
    }

    /// <summary>The archive's absolute path.</summary>
    public string ArchivePath { get; }

    /// <summary>The file's path inside the archive.</summary>
    public string Member { get; }

    public override string DisplayText => $"{ArchivePath}!{Member}";

    /// <summary>The archive is read again on every fetch, as a local file is.</summary>
    internal override bool IsLocal => true;

    /// <summary>The source text for <paramref name="member"/> of the archive at <paramref name="archivePath"/>.</summary>
    public static string Format(string archivePath, string member) => $"nnarchive:{archivePath}!{member}";

    internal static SourceReference ParseScheme(string text, string baseDirectory, SourceLocation? at, bool allowInsecure)
    {
        var body = text["nnarchive:".Length..];
        var bang = body.LastIndexOf('!');
        if (bang <= 0 || bang == body.Length - 1)
        {
            throw new DiagnosticException(
                SourceDiagnostics.InvalidUri.Create(at, text, "expected nnarchive:<archive path>!<file in the archive>"));
        }

        var archive = LocalFileSource.ParsePath(body[..bang], baseDirectory, at);
        return new NnArchiveMemberSource(archive.FullPath, body[(bang + 1)..]);
    }
}
