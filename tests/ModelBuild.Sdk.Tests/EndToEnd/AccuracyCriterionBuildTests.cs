using ModelBuild.Sdk.Tests.Infrastructure;
using static ModelBuild.Sdk.Tests.EndToEnd.ConsumerProjects;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>
/// The accuracy criterion in the build: a missed criterion fails <c>QuantizeModels</c> and <c>dotnet build</c> with
/// MB8180 on the manifest's <c>accuracy_criterion</c> line; <c>on_failure: warning</c> keeps the model and warns.
/// </summary>
[Collection(SdkPackageGroup.Name)]
[Trait("Category", "Integration")]
public sealed class AccuracyCriterionBuildTests(SdkPackageFixture sdk)
{
    [Fact]
    public void A_missed_criterion_fails_QuantizeModels_and_build_on_the_manifest_line_and_on_failure_warning_builds()
    {
        using var project = new ConsumerProject(sdk);
        project.WriteBytes("models/tiny.onnx", TinyModel.Create());
        project.WriteFile("Program.cs", TinyModel.Program("Tiny"));
        project.WriteProject("""<ModelReference Include="models/tiny.yaml" ModelTarget="onnx" Precision="FP32-INT8" />""");
        for (var i = 0; i < 12; i++)
        {
            var folder = i < 6 ? "calibration" : "eval";
            var values = Enumerable.Range(0, 3 * 8 * 8).Select(v => (float)Math.Sin((v * 0.31) + i) * 3f).ToArray();
            Directory.CreateDirectory(project.PathOf(folder));
            ModelBuild.Tensors.NpyFile.Write(project.PathOf($"{folder}/{i}.npy"), ModelBuild.Tensors.Tensor.Create(values, [1, 3, 8, 8]));
        }

        // Cosine never reaches exactly 1 with a node quantized, and no fallback trial is allowed: the criterion is missed.
        project.WriteFile("models/tiny.yaml", Manifest("error"));
        var quantize = project.Msbuild("QuantizeModels");

        Assert.False(quantize.Succeeded);
        var error = Assert.Single(quantize.Errors(), e => e.Code == "MB8180");
        Assert.Equal(project.PathOf("models/tiny.yaml"), error.File);
        Assert.Equal((14, 3), (error.LineNumber, error.ColumnNumber));
        Assert.Matches(@"cosine FP32 1, INT8 [\d.]+, drop [\d.]+, criterion absolute 0, after 0 trial\(s\)", error.Text);
        Assert.DoesNotContain("   at ", quantize.Output, StringComparison.Ordinal);

        var build = project.Build();

        Assert.False(build.Succeeded);
        Assert.Single(build.Errors(), e => e.Code == "MB8180");

        project.WriteFile("models/tiny.yaml", Manifest("warning"));
        var warned = project.Build("-v:n");

        warned.AssertSucceeded();
        Assert.Contains(warned.Warnings(), w => w.Code == "MB8181");
        Assert.Matches(
            @"ModelBuild: tiny: cosine on 6 held-out samples \(unlabelled folder\): FP32 1, INT8 [\d.]+ \[[\d.]+, [\d.]+\]", warned.Output);
    }

    private static string Manifest(string onFailure) => $"""
        input_model: tiny.onnx
        inputs:
          - name: image
            shape: [1, 3, 8, 8]
            mean_values: 0
            scale_values: 1
            encoding: RGB
            calibration:
              path: ../calibration
        quantization:
          evaluation:
            path: ../eval
          metric: cosine
          accuracy_criterion:
            absolute: 0
          max_trials: 0
          on_failure: {onFailure}
        """;
}
