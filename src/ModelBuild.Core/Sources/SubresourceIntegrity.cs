using System.Security.Cryptography;

namespace ModelBuild.Core.Sources;

/// <summary>
/// A Subresource Integrity value as npm reports it (<c>sha512-&lt;base64&gt;</c>, possibly several
/// space-separated); checked with its strongest hash.
/// </summary>
internal sealed record SubresourceIntegrity(string AlgorithmPrefix, HashAlgorithmName Algorithm, string ExpectedBase64)
{
    // Strongest first; sha1 only appears for packages published before npm computed sha512.
    private static readonly (string Prefix, HashAlgorithmName Algorithm)[] Known =
    [
        ("sha512", HashAlgorithmName.SHA512),
        ("sha384", HashAlgorithmName.SHA384),
        ("sha256", HashAlgorithmName.SHA256),
        ("sha1", HashAlgorithmName.SHA1),
    ];

    /// <summary>The strongest known hash in <paramref name="text"/>, or null if there is none.</summary>
    public static SubresourceIntegrity? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var entries = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var (prefix, algorithm) in Known)
        {
            foreach (var entry in entries)
            {
                // "alg-base64" optionally followed by "?options", which SRI allows and ignores.
                var value = entry.Split('?')[0];
                if (value.StartsWith(prefix + "-", StringComparison.Ordinal) && IsBase64(value[(prefix.Length + 1)..]))
                {
                    return new SubresourceIntegrity(prefix, algorithm, value[(prefix.Length + 1)..]);
                }
            }
        }

        return null;
    }

    /// <summary><c>alg-base64</c> of the file at <paramref name="path"/> with this value's algorithm.</summary>
    public string Compute(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(Algorithm);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = file.Read(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        return $"{AlgorithmPrefix}-{Convert.ToBase64String(hash.GetHashAndReset())}";
    }

    public override string ToString() => $"{AlgorithmPrefix}-{ExpectedBase64}";

    private static bool IsBase64(string text) => text.Length > 0 && Convert.TryFromBase64String(text, new byte[text.Length], out _);
}
