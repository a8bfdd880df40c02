using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Sources;

/// <summary>The hash algorithms a pin may use.</summary>
public enum DigestAlgorithm
{
    Sha256,

    /// <summary>Open Model Zoo's checksums.</summary>
    Sha384,

    /// <summary>npm's integrity strings.</summary>
    Sha512,
}

/// <summary>
/// One expected hash of a file, in any of the algorithms pins use: a bare hex digest (its length
/// says the algorithm: 64 sha256, 96 sha384, 128 sha512), <c>sha384:&lt;hex&gt;</c>, or a
/// Subresource Integrity string <c>sha512-&lt;base64&gt;</c>. Kept as lowercase hex.
/// </summary>
public sealed record ContentDigest
{
    private ContentDigest(DigestAlgorithm algorithm, string hex)
    {
        Algorithm = algorithm;
        Hex = hex;
    }

    public DigestAlgorithm Algorithm { get; }

    /// <summary>Lowercase hexadecimal.</summary>
    public string Hex { get; }

    /// <summary><c>sha256</c>, <c>sha384</c> or <c>sha512</c>.</summary>
    public string AlgorithmName => NameOf(Algorithm);

    /// <summary>The SHA-256 as the content store names blobs; null for other algorithms.</summary>
    public Sha256Digest? AsSha256 => Algorithm == DigestAlgorithm.Sha256 ? Sha256Digest.Parse(Hex) : null;

    /// <summary>The SRI form, <c>sha384-&lt;base64&gt;</c>.</summary>
    public string ToIntegrity() => $"{AlgorithmName}-{Convert.ToBase64String(Convert.FromHexString(Hex))}";

    /// <summary><c>sha384:&lt;hex&gt;</c>.</summary>
    public override string ToString() => $"{AlgorithmName}:{Hex}";

    public static ContentDigest FromSha256(Sha256Digest digest) => new(DigestAlgorithm.Sha256, digest.Hex);

    /// <summary>Wraps a finished hash value.</summary>
    public static ContentDigest FromHash(DigestAlgorithm algorithm, ReadOnlySpan<byte> hash)
    {
        if (hash.Length != HashSize(algorithm))
        {
            throw new ArgumentException($"A {NameOf(algorithm)} hash has {HashSize(algorithm)} bytes, not {hash.Length}.", nameof(hash));
        }

        return new ContentDigest(algorithm, Convert.ToHexStringLower(hash));
    }

    /// <summary>Hex of the algorithm <paramref name="algorithm"/> (either case).</summary>
    public static bool TryParseHex(DigestAlgorithm algorithm, string? text, [NotNullWhen(true)] out ContentDigest? digest)
    {
        digest = null;
        if (text is null || text.Length != HashSize(algorithm) * 2 || !text.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        digest = new ContentDigest(algorithm, text.ToLowerInvariant());
        return true;
    }

    /// <summary>
    /// Parses any accepted form: bare hex (algorithm from its length), <c>alg:hex</c>, or SRI
    /// <c>alg-base64</c> (when several SRI values are given, the strongest known one).
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ContentDigest? digest)
    {
        digest = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            return TryParseAlgorithm(trimmed[..colon], out var named) && TryParseHex(named, trimmed[(colon + 1)..], out digest);
        }

        if (trimmed.Contains('-', StringComparison.Ordinal))
        {
            if (SubresourceIntegrity.Parse(trimmed) is { } sri && TryParseAlgorithm(sri.AlgorithmPrefix, out var algorithm))
            {
                var bytes = Convert.FromBase64String(sri.ExpectedBase64);
                if (bytes.Length == HashSize(algorithm))
                {
                    digest = new ContentDigest(algorithm, Convert.ToHexStringLower(bytes));
                    return true;
                }
            }

            return false;
        }

        foreach (var algorithm in Enum.GetValues<DigestAlgorithm>())
        {
            if (TryParseHex(algorithm, trimmed, out digest))
            {
                return true;
            }
        }

        return false;
    }

    public static bool TryParseAlgorithm(string name, out DigestAlgorithm algorithm)
    {
        switch (name.ToLowerInvariant())
        {
            case "sha256":
                algorithm = DigestAlgorithm.Sha256;
                return true;
            case "sha384":
                algorithm = DigestAlgorithm.Sha384;
                return true;
            case "sha512":
                algorithm = DigestAlgorithm.Sha512;
                return true;
            default:
                algorithm = default;
                return false;
        }
    }

    public static string NameOf(DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Sha256 => "sha256",
        DigestAlgorithm.Sha384 => "sha384",
        DigestAlgorithm.Sha512 => "sha512",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    internal static HashAlgorithmName HashName(DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Sha256 => HashAlgorithmName.SHA256,
        DigestAlgorithm.Sha384 => HashAlgorithmName.SHA384,
        DigestAlgorithm.Sha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    private static int HashSize(DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Sha256 => 32,
        DigestAlgorithm.Sha384 => 48,
        DigestAlgorithm.Sha512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };
}
