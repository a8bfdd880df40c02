using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// A file in a Hugging Face model repository: <c>hf:&lt;owner/name&gt;@&lt;revision&gt;/&lt;path&gt;</c>,
/// fetched from the hub's resolve URL (<c>{HF_ENDPOINT}/{repo}/resolve/{revision}/{path}</c>) with
/// <c>HF_TOKEN</c> as a bearer token for gated and private repositories. A commit hash as the
/// revision keeps the source stable; a branch name is allowed, the pin or lock file then guards it.
/// </summary>
public sealed partial record HuggingFaceSource : SourceReference
{
    internal HuggingFaceSource(string repository, string revision, string pathInRepository)
    {
        Repository = repository;
        Revision = revision;
        PathInRepository = pathInRepository;
    }

    /// <summary><c>owner/name</c> (or a bare name for the hub's oldest models).</summary>
    public string Repository { get; }

    /// <summary>A commit hash, branch or tag.</summary>
    public string Revision { get; }

    /// <summary>The file's path in the repository, with '/' separators.</summary>
    public string PathInRepository { get; }

    public override string DisplayText => $"hf:{Repository}@{Revision}/{PathInRepository}";

    internal override bool IsLocal => false;

    internal override string? Host => "hf";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._\-]*(/[A-Za-z0-9][A-Za-z0-9._\-]*)?$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._\-]*$")]
    private static partial Regex RevisionPattern();

    /// <summary>The resolve URL under <paramref name="endpoint"/> (HF_ENDPOINT).</summary>
    public Uri ResolveUri(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var path = string.Join('/', PathInRepository.Split('/').Select(Uri.EscapeDataString));
        return new Uri($"{endpoint.AbsoluteUri.TrimEnd('/')}/{Repository}/resolve/{Uri.EscapeDataString(Revision)}/{path}");
    }

    internal static SourceReference ParseScheme(string text, string baseDirectory, SourceLocation? at, bool allowInsecure)
    {
        var rest = text["hf:".Length..];
        var versionAt = rest.IndexOf('@', StringComparison.Ordinal);
        if (versionAt < 0)
        {
            throw Invalid(text, at, "the revision is missing (a commit hash, branch or tag after '@')");
        }

        var repository = rest[..versionAt];
        var afterRepository = rest[(versionAt + 1)..];
        var slash = afterRepository.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            throw Invalid(text, at, "the path of the file in the repository is missing");
        }

        var revision = afterRepository[..slash];
        if (!RepositoryPattern().IsMatch(repository))
        {
            throw Invalid(text, at, $"'{repository}' is not a repository id such as owner/name");
        }

        if (!RevisionPattern().IsMatch(revision))
        {
            throw Invalid(text, at, $"'{revision}' is not a revision (a commit hash, branch or tag)");
        }

        var path = NpmSource.NormalizePathInPackage(afterRepository[(slash + 1)..])
            ?? throw Invalid(text, at, "the path must be relative, with '/' separators and no '.' or '..' parts");
        return new HuggingFaceSource(repository, revision, path);
    }

    private static DiagnosticException Invalid(string text, SourceLocation? at, string reason) =>
        new(SourceDiagnostics.InvalidHuggingFaceSource.Create(at, text, reason));
}
