using ModelBuild.Sdk.Tests.Infrastructure;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>
/// The package as users get it: packed into a local feed, used by a real consumer project through
/// <c>&lt;Sdk Name="ModelBuild.Sdk" /&gt;</c>, built with the real <c>dotnet build</c>, and run.
/// </summary>
[Collection(SdkPackageGroup.Name)]
[Trait("Category", "Integration")]
public sealed class ModelReferenceBuildTests(SdkPackageFixture sdk)
{
    private const string CompileTarget = "_ModelBuildCompile";
    private const string EngineTask = "CompileModels";

    [Fact]
    public void Build_embeds_the_model_and_the_app_runs_it_through_the_accessor()
    {
        using var project = TinyConsumer(out var model);

        project.Build().AssertSucceeded();
        var run = project.Run();

        Assert.True(run.Succeeded, run.Output);
        Assert.Contains("resource=Consumer.Models.tiny.onnx", run.Output, StringComparison.Ordinal);
        Assert.Contains("shape=1,3,8,8", run.Output, StringComparison.Ordinal);
        Assert.Contains("sum=" + TinyModel.ExpectedSum(model), run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_build_skips_the_model_target_and_starts_no_engine()
    {
        using var project = TinyConsumer(out _);
        var first = project.Build();
        first.AssertSucceeded();
        Assert.Equal(1, first.TaskRuns(EngineTask));

        var second = project.Build();

        second.AssertSucceeded();
        Assert.False(second.TargetRan(CompileTarget), "The compile target ran although nothing changed.");
        Assert.Equal(0, second.TaskRuns(EngineTask));
    }

    [Fact]
    public void Touching_one_manifest_recompiles_that_model_only()
    {
        using var project = new ConsumerProject(sdk);
        project.WriteBytes("models/a.onnx", TinyModel.Create(seed: 1));
        project.WriteBytes("models/b.onnx", TinyModel.Create(seed: 7));
        project.WriteFile("models/a.yaml", TinyModel.Manifest("a.onnx"));
        project.WriteFile("models/b.yaml", TinyModel.Manifest("b.onnx"));
        project.WriteFile("Program.cs", TinyModel.Program("A"));
        project.WriteProject("""<ModelReference Include="models/a.yaml" /><ModelReference Include="models/b.yaml" />""");
        project.Build().AssertSucceeded();

        Touch(project.PathOf("models/a.yaml"));
        var rebuild = project.Build();

        rebuild.AssertSucceeded();
        Assert.Equal(1, rebuild.TaskRuns(EngineTask));
        Assert.Contains(rebuild.Messages(), m => m.StartsWith("ModelBuild: a -> onnx FP32", StringComparison.Ordinal));
        Assert.DoesNotContain(rebuild.Messages(), m => m.StartsWith("ModelBuild: b -> ", StringComparison.Ordinal));

        // Everything is marked up to date again: the next build skips the target.
        Assert.False(project.Build().TargetRan(CompileTarget));
    }

    [Fact]
    public void Changing_the_local_model_file_recompiles_and_the_app_sees_the_new_model()
    {
        using var project = TinyConsumer(out _);
        project.Build().AssertSucceeded();

        var replacement = TinyModel.Create(seed: 42);
        project.WriteBytes("models/tiny.onnx", replacement);
        var rebuild = project.Build();

        rebuild.AssertSucceeded();
        Assert.True(rebuild.TargetRan(CompileTarget));
        Assert.Contains("sum=" + TinyModel.ExpectedSum(replacement), project.Run().Output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unimplemented_precision_is_an_error_on_the_Precision_attribute()
    {
        using var project = TinyConsumer(out _);
        project.Build().AssertSucceeded();

        project.WriteProject("""
            <ModelReference Include="models/tiny.yaml"
                            Precision="FP16" />
            """);
        var build = project.Build();

        Assert.False(build.Succeeded);
        var error = Assert.Single(build.Errors());
        Assert.Equal("MB6004", error.Code);
        Assert.Equal(project.ProjectFile, error.File);
        Assert.Equal((13, 17), (error.LineNumber, error.ColumnNumber));
        Assert.Contains("Implemented: onnx FP32", error.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void With_obj_deleted_and_a_warm_cache_the_engine_runs_no_action_and_restores_the_outputs()
    {
        using var project = TinyConsumer(out var model);
        project.Build().AssertSucceeded();
        Directory.Delete(project.PathOf("obj"), recursive: true);
        Directory.Delete(project.PathOf("bin"), recursive: true);

        var rebuild = project.Build();

        rebuild.AssertSucceeded();
        Assert.Contains(rebuild.Messages(), m => m == "ModelBuild: tiny -> onnx FP32: 0 actions run, 2 from cache.");
        Assert.Contains("sum=" + TinyModel.ExpectedSum(model), project.Run().Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_mistake_is_an_error_on_its_yaml_line_and_nothing_is_embedded()
    {
        using var project = TinyConsumer(out _);
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
        Assert.False(File.Exists(project.PathOf("obj/Debug/net10.0/modelbuild/tiny/tiny.onnx")));
    }

    [Fact]
    public void Works_as_a_PackageReference_too()
    {
        using var project = TinyConsumer(out var model);
        project.WriteFile(project.Name + ".csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ModelBuild.Sdk" Version="{sdk.Version}" />
                <ModelReference Include="models/tiny.yaml" />
              </ItemGroup>
            </Project>
            """);

        project.Build().AssertSucceeded();

        Assert.Contains("sum=" + TinyModel.ExpectedSum(model), project.Run().Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Clean_removes_the_compiled_models_but_never_the_cache()
    {
        using var project = TinyConsumer(out _);
        project.Build().AssertSucceeded();
        var cacheFiles = Directory.GetFiles(project.CacheDirectory, "*", SearchOption.AllDirectories).Length;

        var clean = project.Dotnet("clean");

        Assert.True(clean.Succeeded, clean.Output);
        Assert.False(Directory.Exists(project.PathOf("obj/Debug/net10.0/modelbuild")));
        Assert.Equal(cacheFiles, Directory.GetFiles(project.CacheDirectory, "*", SearchOption.AllDirectories).Length);
    }

    private ConsumerProject TinyConsumer(out byte[] model)
    {
        var project = new ConsumerProject(sdk);
        model = TinyModel.Create();
        project.WriteBytes("models/tiny.onnx", model);
        project.WriteFile("models/tiny.yaml", TinyModel.Manifest("tiny.onnx"));
        project.WriteFile("Program.cs", TinyModel.Program("Tiny"));
        project.WriteProject("""<ModelReference Include="models/tiny.yaml" ModelTarget="onnx" Precision="FP32" />""");
        return project;
    }

    private static void Touch(string path) => File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
}
