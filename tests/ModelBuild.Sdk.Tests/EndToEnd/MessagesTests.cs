using ModelBuild.Sdk.Tests.Infrastructure;
using static ModelBuild.Sdk.Tests.EndToEnd.ConsumerProjects;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>Mistakes are errors on the line that holds them; warnings can be silenced with NoWarn.</summary>
[Collection(SdkPackageGroup.Name)]
[Trait("Category", "Integration")]
public sealed class MessagesTests(SdkPackageFixture sdk)
{
    [Fact]
    public void A_manifest_mistake_is_an_error_on_its_yaml_line_and_nothing_is_embedded()
    {
        using var project = Tiny(sdk, out _);
        project.WriteFile("models/tiny.yaml", """
            input_model: tiny.onnx
            inputs:
              - name: image
                shapes: [1, 3, 8, 8]
            """);

        var build = project.Build();

        Assert.False(build.Succeeded);
        var error = Assert.Single(build.Errors(), e => e.Code == "MB1004");
        Assert.Equal(project.PathOf("models/tiny.yaml"), error.File);
        Assert.Equal((4, 5), (error.LineNumber, error.ColumnNumber));
        Assert.Contains("Did you mean 'shape'?", error.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", build.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(project.PathOf($"{ModelFolder}/tiny/tiny.onnx")));
    }

    [Fact]
    public void Metadata_mistakes_are_errors_on_the_project_file()
    {
        using var project = Tiny(sdk, out _);

        // A precision the target's hardware cannot run: on the Precision attribute.
        project.WriteProject("""
            <ModelReference Include="models/tiny.yaml" ModelTarget="rvc2"
                            Precision="FP16-INT8" />
            """);
        var precision = project.Msbuild("CompileModels");

        var error = Assert.Single(precision.Errors());
        Assert.Equal("MB6003", error.Code);
        Assert.Equal(project.ProjectFile, error.File);
        Assert.Equal((13, 17), (error.LineNumber, error.ColumnNumber));

        // A calibration folder that does not exist: on the Calibration attribute.
        project.WriteProject("""
            <ModelReference Include="models/tiny.yaml"
                            Calibration="images/missing" />
            """);
        var calibration = project.Msbuild("CompileModels");

        error = Assert.Single(calibration.Errors());
        Assert.Equal("MB7010", error.Code);
        Assert.Equal((13, 17), (error.LineNumber, error.ColumnNumber));
        Assert.Contains(project.PathOf("images/missing"), error.Text, StringComparison.Ordinal);

        // Embed must be true or false (or another of MSBuild's boolean spellings).
        project.WriteProject("""<ModelReference Include="models/tiny.yaml" Embed="maybe" />""");
        var embed = project.Msbuild("CompileModels");

        error = Assert.Single(embed.Errors());
        Assert.Equal("MB7004", error.Code);
        Assert.Equal(0, embed.TaskRuns(EngineTask));
    }

    [Fact]
    public void A_manifest_warning_points_at_its_line_and_NoWarn_silences_it()
    {
        using var project = Tiny(sdk, out _);
        project.WriteFile("models/tiny.yaml", TinyModel.Manifest("tiny.onnx") + "\nrich_logging: true\n");

        var warned = project.Msbuild("CompileModels");

        warned.AssertSucceeded();
        var warning = Assert.Single(warned.Warnings());
        Assert.Equal("MB1008", warning.Code);
        Assert.Equal((8, 1), (warning.LineNumber, warning.ColumnNumber));

        File.Delete(project.PathOf($"{ModelFolder}/tiny/model.json"));
        var silenced = project.Msbuild("CompileModels", "-p:NoWarn=MB1008");

        silenced.AssertSucceeded();
        Assert.Equal(1, silenced.TaskRuns(EngineTask));
        Assert.Empty(silenced.Warnings());
    }
}
