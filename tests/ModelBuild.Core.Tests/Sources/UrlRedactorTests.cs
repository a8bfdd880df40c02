using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Tests.Sources;

public sealed class UrlRedactorTests
{
    [Theory]
    [InlineData("https://u:p@host/a.onnx", "https://***@host/a.onnx")]
    [InlineData("https://token@host/a.onnx", "https://***@host/a.onnx")]
    [InlineData("https://host/a.onnx?sig=abc&se=2030&sv=1", "https://host/a.onnx?sig=***&se=***&sv=***")]
    [InlineData(
        "https://host/a?X-Amz-Credential=AK%2F1&X-Amz-Security-Token=t&X-Amz-Expires=60",
        "https://host/a?X-Amz-Credential=***&X-Amz-Security-Token=***&X-Amz-Expires=***")]
    [InlineData("https://host/a.onnx?api_key=k#frag", "https://host/a.onnx?api_key=***#***")]
    [InlineData("https://host/a.onnx?v=3", "https://host/a.onnx?v=***")]
    [InlineData("https://host/a.onnx?flag", "https://host/a.onnx?***")]
    [InlineData("redis://default:PW@127.0.0.1:6379/2", "redis://***@127.0.0.1:6379/2")]
    [InlineData(
        "npm error 404 Not Found - GET https://user:pw@packages.example.com/x?authToken=zz - not found",
        "npm error 404 Not Found - GET https://***@packages.example.com/x?authToken=*** - not found")]
    [InlineData("cannot reach 'http://127.0.0.1:1/c?sig=SECRET': refused", "cannot reach 'http://127.0.0.1:1/c?sig=***': refused")]
    [InlineData("npm ERR! //registry/:_authToken=abc is invalid", "npm ERR! //registry/:_authToken=*** is invalid")]
    public void User_information_query_values_and_fragments_are_masked_and_the_rest_is_kept(string text, string expected) =>
        Assert.Equal(expected, UrlRedactor.Redact(text));

    [Theory]
    [InlineData("http://host/path/model.onnx")]
    [InlineData("the model models/a.onnx was not found")]
    [InlineData("https://host:8443/cache")]
    public void Text_without_secrets_is_unchanged(string text) =>
        Assert.Equal(text, UrlRedactor.Redact(text));

    [Theory]
    [InlineData("redis://default:PW@host:6379", true)]
    [InlineData("https://alice:s3cret@cache.example/ci", true)]
    [InlineData("redis://alice@host:6379", false)]
    [InlineData("redis://host:6379", false)]
    [InlineData("https://host/c?password=x", false)]
    public void A_password_in_the_user_information_is_detected(string url, bool expected) =>
        Assert.Equal(expected, UrlRedactor.HasPassword(url));
}
