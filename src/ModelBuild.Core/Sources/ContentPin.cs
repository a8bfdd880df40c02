using System.Collections.Immutable;
using System.Globalization;
using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Sources;

/// <summary>
/// What fetched content must be: any number of digests (sha256, sha384, sha512) and a size. Content
/// that differs in any of them is rejected and never stored. <see cref="None"/> accepts anything.
/// </summary>
public sealed record ContentPin(ImmutableArray<ContentDigest> Digests, long? Size)
{
    public static ContentPin None { get; } = new([], null);

    /// <summary>True when at least one digest is pinned (a size alone pins nothing).</summary>
    public bool HasDigest => !Digests.IsDefaultOrEmpty;

    /// <summary>The pinned SHA-256, the content store's name for the blob, if there is one.</summary>
    public Sha256Digest? Sha256 => Digests.IsDefaultOrEmpty ? null : Digests.Select(d => d.AsSha256).FirstOrDefault(d => d is not null);

    /// <summary>The digests other than SHA-256, checked while streaming.</summary>
    public IEnumerable<ContentDigest> OtherDigests
        => Digests.IsDefaultOrEmpty ? [] : Digests.Where(d => d.Algorithm != DigestAlgorithm.Sha256);

    /// <summary>A pin from the manifest's optional sha256 and size.</summary>
    public static ContentPin From(Sha256Digest? sha256, long? size) =>
        new(sha256 is { } d ? [ContentDigest.FromSha256(d)] : [], size);

    /// <summary>The pin in words, for messages: <c>sha384 ab… (12 bytes)</c>.</summary>
    public string Describe()
    {
        var digests = Digests.IsDefaultOrEmpty ? "" : string.Join(", ", Digests.Select(d => $"{d.AlgorithmName} {d.Hex}"));
        return (digests.Length, Size) switch
        {
            ( > 0, { } s) => string.Create(CultureInfo.InvariantCulture, $"{digests} ({s} bytes)"),
            ( > 0, null) => digests,
            (0, { } s) => string.Create(CultureInfo.InvariantCulture, $"{s} bytes"),
            _ => "anything",
        };
    }

    /// <summary>True if content with these digests and size satisfies the pin.</summary>
    public bool IsSatisfiedBy(IReadOnlyCollection<ContentDigest> actual, long size) =>
        (Size is not { } s || s == size)
        && (Digests.IsDefaultOrEmpty || Digests.All(d => actual.Any(a => a.Algorithm == d.Algorithm && a.Hex == d.Hex)));
}
