using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Tests.Sources;

public sealed class UrlRedactorTests
{
    [Theory]
    [InlineData("https://u:p@host/a.onnx", "https://***@host/a.onnx")]
    [InlineData("https://token@host/a.onnx", "https://***@host/a.onnx")]
    [InlineData("https://host/a.onnx?sig=abc&se=2030&sv=1", "https://host/a.onnx?sig=***&se=2030&sv=1")]
    [InlineData("https://host/a?X-Amz-Credential=AK%2F1&X-Amz-Security-Token=t&X-Amz-Expires=60", "https://host/a?X-Amz-Credential=***&X-Amz-Security-Token=***&X-Amz-Expires=60")]
    [InlineData("https://host/a.onnx?api_key=k#frag", "https://host/a.onnx?api_key=***#frag")]
    [InlineData("https://host/a.onnx?v=3", "https://host/a.onnx?v=3")]
    [InlineData("npm error 404 Not Found - GET https://user:pw@packages.example.com/x?authToken=zz - not found", "npm error 404 Not Found - GET https://***@packages.example.com/x?authToken=*** - not found")]
    public void Credentials_are_masked_and_everything_else_is_kept(string text, string expected) =>
        Assert.Equal(expected, UrlRedactor.Redact(text));
}
