using System.Security.Cryptography;
using ModelBuild.Sdk.Tests.Infrastructure;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>A consumer project whose <c>ModelReference</c> is an Open Model Zoo <c>model.yml</c>: the app reads the labels through the
/// accessor.</summary>
[Collection(SdkPackageGroup.Name)]
[Trait("Category", "Integration")]
public sealed class OpenModelZooConsumerTests(SdkPackageFixture sdk)
{
    [Fact]
    public void A_model_yml_reference_is_named_after_its_folder_and_its_accessor_exposes_the_labels()
    {
        using var project = new ConsumerProject(sdk);
        var model = TinyModel.Create();
        project.WriteBytes("models/tiny/tiny.onnx", model);
        project.WriteFile("models/tiny/model.yml", $"""
            description: A tiny convolutional network.
            task_type: classification
            files:
              - name: tiny.onnx
                size: {model.Length}
                checksum: {Convert.ToHexStringLower(SHA384.HashData(model))}
                source: file:tiny.onnx
            framework: onnx
            input_info:
              - name: image
                shape: [1, 3, 8, 8]
                layout: NCHW
            license: https://example.invalid/LICENSE
            model_info:
              labels: [background, "the \"thing\""]
            """);
        project.WriteFile("Program.cs", TinyModel.Program("Tiny") + """

            Console.WriteLine("labels=" + string.Join("|", Models.Tiny.Labels));
            """);
        project.WriteProject($"""<ModelReference Include="models/tiny/model.yml" ModelTarget="onnx" />""");

        var build = project.Build("-v:n");

        build.AssertSucceeded();
        var run = project.Run();
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains("labels=background|the \"thing\"", run.Output, StringComparison.Ordinal);
        Assert.Contains("sum=" + TinyModel.ExpectedSum(model), run.Output, StringComparison.Ordinal);
        Assert.Contains("resource=Consumer.Models.tiny.onnx", run.Output, StringComparison.Ordinal);
    }
}
