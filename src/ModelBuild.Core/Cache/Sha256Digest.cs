using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace ModelBuild.Core.Cache;

/// <summary>
/// A SHA-256 digest, held as 64 lowercase hexadecimal characters. The name of every blob in the
/// content store and of every action record. <c>default</c> is not a digest; create one with
/// <see cref="Parse"/>, <see cref="TryParse"/> or a <c>Compute</c> method.
/// </summary>
public readonly record struct Sha256Digest
{
    /// <summary>Length of the hexadecimal form.</summary>
    public const int HexLength = 64;

    private readonly string? _hex;

    private Sha256Digest(string hex) => _hex = hex;

    /// <summary>The digest of zero bytes; the content store always holds it.</summary>
    public static Sha256Digest Empty { get; } = FromHash(SHA256.HashData(ReadOnlySpan<byte>.Empty));

    /// <summary>64 lowercase hexadecimal characters.</summary>
    public string Hex => _hex ?? throw new InvalidOperationException("default(Sha256Digest) is not a digest.");

    /// <summary>Parses 64 hexadecimal characters (either case; stored lowercase).</summary>
    /// <exception cref="FormatException">The text is not a SHA-256 digest.</exception>
    public static Sha256Digest Parse(string text) =>
        TryParse(text, out var digest)
            ? digest
            : throw new FormatException($"'{text}' is not a SHA-256 digest (64 hexadecimal characters).");

    /// <summary>Parses 64 hexadecimal characters (either case); false for anything else.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Sha256Digest digest)
    {
        digest = default;
        if (text is null || text.Length != HexLength)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        digest = new Sha256Digest(text.ToLowerInvariant());
        return true;
    }

    /// <summary>Wraps a 32-byte hash value.</summary>
    public static Sha256Digest FromHash(ReadOnlySpan<byte> hash)
    {
        if (hash.Length != SHA256.HashSizeInBytes)
        {
            throw new ArgumentException($"A SHA-256 hash has {SHA256.HashSizeInBytes} bytes, not {hash.Length}.", nameof(hash));
        }

        return new Sha256Digest(Convert.ToHexStringLower(hash));
    }

    /// <summary>The digest of <paramref name="content"/>.</summary>
    public static Sha256Digest Compute(ReadOnlySpan<byte> content) => FromHash(SHA256.HashData(content));

    /// <summary>The digest of the rest of <paramref name="content"/>, read to its end.</summary>
    public static async Task<Sha256Digest> ComputeAsync(Stream content, CancellationToken cancellationToken = default) =>
        FromHash(await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false));

    /// <summary>The digest of the rest of <paramref name="content"/>, read to its end.</summary>
    public static Sha256Digest Compute(Stream content) => FromHash(SHA256.HashData(content));

    /// <summary>The digest of a file's bytes.</summary>
    public static Sha256Digest ComputeFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1);
        return Compute(stream);
    }

    /// <summary>The raw 32 bytes.</summary>
    public byte[] ToHashBytes() => Convert.FromHexString(Hex);

    /// <summary>The hexadecimal form.</summary>
    public override string ToString() => _hex ?? "";
}
