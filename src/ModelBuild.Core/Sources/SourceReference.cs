using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Where a model's bytes come from, parsed from a manifest's <c>input_model</c>. A closed
/// hierarchy: one sealed record per kind of source (<see cref="LocalFileSource"/>,
/// <see cref="HttpSource"/>, <see cref="NpmSource"/>, <see cref="NuGetSource"/>,
/// <see cref="HuggingFaceSource"/>, <see cref="S3Source"/>, <see cref="GoogleDriveSource"/>), each fetched by its own resolver. A new
/// kind is a new record, a row in the scheme table below and a resolver class.
/// </summary>
public abstract partial record SourceReference
{
    // Scheme → parser. Schemes are matched case-insensitively, as RFC 3986 says.
    private static readonly Dictionary<string, SchemeParser> Parsers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["file"] = LocalFileSource.ParseFileUri,
        ["https"] = HttpSource.ParseScheme,
        ["http"] = HttpSource.ParseScheme,
        ["npm"] = NpmSource.ParseScheme,
        ["nuget"] = NuGetSource.ParseScheme,
        ["hf"] = HuggingFaceSource.ParseScheme,
        ["s3"] = S3Source.ParseScheme,
        ["gdrive"] = GoogleDriveSource.ParseScheme,
        ["nnarchive"] = NnArchiveMemberSource.ParseScheme,
    };

    // Named in the error so users know these are planned rather than mistyped.
    private static readonly HashSet<string> ComingLater = new(StringComparer.OrdinalIgnoreCase) { "gs", "az" };

    /// <summary>Reads one scheme's source text; throws a <see cref="DiagnosticException"/> at <paramref name="at"/> for bad text.</summary>
    internal delegate SourceReference SchemeParser(string text, string baseDirectory, SourceLocation? at, bool allowInsecure);

    /// <summary>How diagnostics and logs show this source; never contains a secret.</summary>
    public abstract string DisplayText { get; }

    /// <summary>
    /// Local files are read again on every fetch (they change under the same name); other sources
    /// pinned by a digest already in the cache are not contacted at all.
    /// </summary>
    internal abstract bool IsLocal { get; }

    /// <summary>The host bytes come from, for progress lines; null for sources on this machine.</summary>
    internal virtual string? Host => null;

    /// <summary>
    /// This source's key in <c>models.lock.json</c>: <see cref="DisplayText"/>, which holds no secret, plus, where
    /// the display masks part of the source, a digest of that part, so that sources differing only there keep
    /// apart.
    /// </summary>
    internal virtual string LockKey => DisplayText;

    /// <summary>Same as <see cref="DisplayText"/>: safe to print.</summary>
    public sealed override string ToString() => DisplayText;

    /// <summary>
    /// Parses a manifest's <c>input_model</c>: a path (relative to <paramref name="manifestDirectory"/>
    /// or absolute), <c>file:</c>, <c>https:</c>, <c>http:</c> to this machine,
    /// <c>npm:&lt;package&gt;@&lt;version&gt;/&lt;path&gt;</c>, <c>nuget:&lt;id&gt;/&lt;version&gt;/&lt;path&gt;</c>,
    /// <c>hf:&lt;repo&gt;@&lt;revision&gt;/&lt;path&gt;</c>, <c>s3://&lt;bucket&gt;/&lt;key&gt;</c> or <c>gdrive:&lt;file id&gt;</c>.
    /// </summary>
    /// <param name="text">The raw value.</param>
    /// <param name="manifestDirectory">The folder relative paths are resolved against.</param>
    /// <param name="at">Where the value is in the manifest; errors point there.</param>
    /// <param name="allowInsecure">The source's <c>allow_insecure</c>: plain http beyond this machine is allowed (and warned
    /// about).</param>
    /// <exception cref="DiagnosticException">The text is not a supported source.</exception>
    public static SourceReference Parse(string text, string manifestDirectory, SourceLocation? at = null, bool allowInsecure = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(manifestDirectory);
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new DiagnosticException(SourceDiagnostics.EmptySource.Create(at));
        }

        // At least two characters, so a Windows drive letter ("C:\models") is a path, not a scheme.
        var scheme = SchemePrefix().Match(trimmed);
        if (!scheme.Success)
        {
            return LocalFileSource.ParsePath(trimmed, manifestDirectory, at);
        }

        var name = scheme.Groups["scheme"].Value;
        if (Parsers.TryGetValue(name, out var parse))
        {
            return parse(trimmed, manifestDirectory, at, allowInsecure);
        }

        var later = ComingLater.Contains(name) ? " (not supported yet)" : "";
        throw new DiagnosticException(SourceDiagnostics.UnsupportedScheme.Create(at, name.ToLowerInvariant(), later));
    }

    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.\-]+):")]
    private static partial Regex SchemePrefix();
}
