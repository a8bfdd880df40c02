using System.Collections.Immutable;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// A manifest's <c>input_model</c> as the fetcher takes it: the parsed source (with <c>allow_insecure</c>) and
/// every pin the manifest gives (<c>sha256</c>, <c>sha384</c>, <c>sha512</c>, <c>integrity</c>, <c>size</c>).
/// <see cref="Warnings"/> holds MB2008 when plain http to another machine is allowed.
/// </summary>
public sealed record InputModelSource(SourceReference Source, ContentPin Pin, ImmutableArray<Diagnostic> Warnings)
{
    /// <summary>Parses <paramref name="spec"/>, relative paths against <paramref name="manifestDirectory"/>.</summary>
    /// <exception cref="DiagnosticException">The source is not valid (at its line in the manifest).</exception>
    public static InputModelSource From(InputModelSpec spec, string manifestDirectory)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var allowInsecure = spec.Pins.AllowInsecure is { Value: true };
        var source = SourceReference.Parse(spec.Source.Value, manifestDirectory, spec.Source.Location, allowInsecure);
        var digests = new List<ContentDigest>();
        if (spec.Sha256 is { } sha256)
        {
            digests.Add(ContentDigest.FromSha256(Sha256Digest.Parse(sha256.Value)));
        }

        Add(digests, DigestAlgorithm.Sha384, spec.Pins.Sha384);
        Add(digests, DigestAlgorithm.Sha512, spec.Pins.Sha512);
        foreach (var entry in spec.Pins.Integrity?.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [])
        {
            // Every entry of an SRI string is checked; the manifest reader validated their form.
            if (ContentDigest.TryParse(entry.Split('?')[0], out var digest))
            {
                digests.Add(digest);
            }
        }

        var warnings = source is HttpSource { Uri.IsLoopback: false } http && http.Uri.Scheme == Uri.UriSchemeHttp
            ? [SourceDiagnostics.PlainHttpAllowed.Create(spec.Pins.AllowInsecure!.Location, source.DisplayText, http.Uri.Host)]
            : ImmutableArray<Diagnostic>.Empty;
        return new InputModelSource(source, new ContentPin([.. digests.Distinct()], spec.Size?.Value), warnings);
    }

    private static void Add(List<ContentDigest> digests, DigestAlgorithm algorithm, Located<string>? hex)
    {
        if (hex is not null && ContentDigest.TryParseHex(algorithm, hex.Value, out var digest))
        {
            digests.Add(digest);
        }
    }
}
