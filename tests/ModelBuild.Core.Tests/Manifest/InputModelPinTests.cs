using System.Security.Cryptography;
using System.Text;
using ModelBuild.Core.Diagnostics;
using static ModelBuild.Core.Tests.Manifest.ManifestTesting;

namespace ModelBuild.Core.Tests.Manifest;

/// <summary><c>input_model</c>'s mapping form: <c>sha384</c>, <c>sha512</c>, <c>integrity</c> and <c>allow_insecure</c> besides
/// <c>sha256</c> and <c>size</c>.</summary>
public sealed class InputModelPinTests
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes("a model");

    [Fact]
    public void Every_pin_is_read_with_its_line()
    {
        var sha384 = Convert.ToHexString(SHA384.HashData(Content));
        var sha512 = Convert.ToHexStringLower(SHA512.HashData(Content));
        var integrity = "sha512-" + Convert.ToBase64String(SHA512.HashData(Content)) + " sha256-"
            + Convert.ToBase64String(SHA256.HashData(Content));

        var manifest = LoadValid($"""
            input_model:
              source: http://mirror.example.invalid/m.onnx
              sha384: {sha384}
              sha512: {sha512}
              integrity: {integrity}
              allow_insecure: true
            """);

        var pins = manifest.Stages[0].InputModel.Pins;
        Assert.Equal((sha384.ToLowerInvariant(), At(3, 11)), (pins.Sha384!.Value, pins.Sha384.Location));
        Assert.Equal((sha512, At(4, 11)), (pins.Sha512!.Value, pins.Sha512.Location));
        Assert.Equal((integrity, At(5, 14)), (pins.Integrity!.Value, pins.Integrity.Location));
        Assert.Equal((true, At(6, 19)), (pins.AllowInsecure!.Value, pins.AllowInsecure.Location));
    }

    [Fact]
    public void Without_the_mapping_form_there_are_no_pins()
    {
        var pins = LoadValid("input_model: m.onnx\n").Stages[0].InputModel.Pins;

        Assert.Equal((null, null, null, null), (pins.Sha384, pins.Sha512, pins.Integrity, pins.AllowInsecure));
    }

    [Theory]
    [InlineData("sha384", "abc", "SHA-384", 96)]
    [InlineData("sha384", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "SHA-384", 96)]
    [InlineData(
        "sha512",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "SHA-512",
        128)]
    public void A_hex_digest_of_the_wrong_length_is_MB2006(string key, string value, string algorithm, int length)
    {
        var error = Single(Load($"""
            input_model:
              source: https://example.invalid/m.onnx
              {key}: {value}
            """), "MB2006");

        Assert.Equal(At(3, 11), error.Location);
        Assert.Equal(
            $"'input_model.{key}' must be a {algorithm} digest of {length} hexadecimal characters; found '{value}'.",
            error.Message);
    }

    [Theory]
    [InlineData("sha512")]
    [InlineData("md5-AAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("sha512-c2hvcnQ=")]
    [InlineData("sha256-not base64!")]
    public void An_integrity_that_is_not_an_SRI_string_of_a_whole_hash_is_MB2007(string value)
    {
        var error = Single(Load($"""
            input_model:
              source: https://example.invalid/m.onnx
              integrity: "{value}"
            """), "MB2007");

        Assert.Equal(At(3, 14), error.Location);
        Assert.Contains("Subresource Integrity", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Allow_insecure_must_be_a_boolean()
    {
        var error = Single(Load("""
            input_model:
              source: http://example.invalid/m.onnx
              allow_insecure: maybe
            """), "MB1005");

        Assert.Equal(At(3, 19), error.Location);
    }
}
