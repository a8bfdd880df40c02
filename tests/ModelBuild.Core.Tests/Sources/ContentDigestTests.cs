using System.Security.Cryptography;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Tests.Sources;

public sealed class ContentDigestTests
{
    private static readonly byte[] Content = "model bytes"u8.ToArray();

    [Fact]
    public void Bare_hex_takes_its_algorithm_from_its_length()
    {
        Assert.True(ContentDigest.TryParse(Convert.ToHexString(SHA256.HashData(Content)), out var sha256));
        Assert.True(ContentDigest.TryParse(Convert.ToHexString(SHA384.HashData(Content)), out var sha384));
        Assert.True(ContentDigest.TryParse(Convert.ToHexStringLower(SHA512.HashData(Content)), out var sha512));

        Assert.Equal(DigestAlgorithm.Sha256, sha256.Algorithm);
        Assert.Equal(DigestAlgorithm.Sha384, sha384.Algorithm);
        Assert.Equal(DigestAlgorithm.Sha512, sha512.Algorithm);
        Assert.Equal(Convert.ToHexStringLower(SHA384.HashData(Content)), sha384.Hex);
    }

    [Fact]
    public void Sri_and_prefixed_forms_name_the_same_digest()
    {
        var sri = "sha512-" + Convert.ToBase64String(SHA512.HashData(Content));
        var prefixed = "sha512:" + Convert.ToHexStringLower(SHA512.HashData(Content));

        Assert.True(ContentDigest.TryParse(sri, out var fromSri));
        Assert.True(ContentDigest.TryParse(prefixed, out var fromPrefix));

        Assert.Equal(fromPrefix, fromSri);
        Assert.Equal(sri, fromSri.ToIntegrity());
    }

    [Fact]
    public void Several_sri_values_pick_the_strongest()
    {
        var text = $"sha256-{Convert.ToBase64String(SHA256.HashData(Content))} sha384-{Convert.ToBase64String(SHA384.HashData(Content))}";

        Assert.True(ContentDigest.TryParse(text, out var digest));

        Assert.Equal(DigestAlgorithm.Sha384, digest.Algorithm);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("md5:0123456789abcdef0123456789abcdef")]
    [InlineData("sha256:zz")]
    [InlineData("sha512-notbase64!")]
    public void Malformed_digests_are_rejected(string text) => Assert.False(ContentDigest.TryParse(text, out _));

    [Fact]
    public void A_pin_is_satisfied_only_by_every_digest_and_the_size()
    {
        var sha256 = ContentDigest.FromHash(DigestAlgorithm.Sha256, SHA256.HashData(Content));
        var sha384 = ContentDigest.FromHash(DigestAlgorithm.Sha384, SHA384.HashData(Content));
        var pin = new ContentPin([sha256, sha384], Content.Length);

        Assert.True(pin.IsSatisfiedBy([sha256, sha384], Content.Length));
        Assert.False(pin.IsSatisfiedBy([sha256], Content.Length));
        Assert.False(pin.IsSatisfiedBy([sha256, sha384], Content.Length + 1));
        Assert.True(ContentPin.None.IsSatisfiedBy([], 5));
    }
}
