using System.Security.Cryptography;
using System.Text;
using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Tests.Cache;

public sealed class Sha256DigestTests
{
    [Fact]
    public void Compute_matches_the_platform_sha256_in_lowercase_hex()
    {
        var bytes = Encoding.UTF8.GetBytes("ModelBuild");
        var expected = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

        Assert.Equal(expected, Sha256Digest.Compute(bytes).Hex);
        Assert.Equal(expected, Sha256Digest.Compute(new MemoryStream(bytes)).Hex);
    }

    [Fact]
    public void Parse_accepts_either_case_and_normalizes_to_lowercase()
    {
        var lower = Sha256Digest.Compute("x"u8).Hex;

        var parsed = Sha256Digest.Parse(lower.ToUpperInvariant());

        Assert.Equal(lower, parsed.Hex);
        Assert.Equal(Sha256Digest.Parse(lower), parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555")]
    [InlineData(" e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85")]
    public void TryParse_rejects_anything_but_64_hex_digits(string? text)
    {
        Assert.False(Sha256Digest.TryParse(text, out _));
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => Sha256Digest.Parse(text));
        }
    }

    [Fact]
    public void Empty_is_the_digest_of_zero_bytes() =>
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Sha256Digest.Empty.Hex);

    [Fact]
    public async Task ComputeFile_and_ComputeAsync_agree_with_Compute()
    {
        using var folder = new TemporaryDirectory();
        var bytes = RandomNumberGenerator.GetBytes(100_000);
        var path = folder.Combine("blob.bin");
        await File.WriteAllBytesAsync(path, bytes);

        Assert.Equal(Sha256Digest.Compute(bytes), Sha256Digest.ComputeFile(path));
        Assert.Equal(Sha256Digest.Compute(bytes), await Sha256Digest.ComputeAsync(new MemoryStream(bytes)));
    }

    [Fact]
    public void Default_value_is_not_a_digest() =>
        Assert.Throws<InvalidOperationException>(() => default(Sha256Digest).Hex);
}
