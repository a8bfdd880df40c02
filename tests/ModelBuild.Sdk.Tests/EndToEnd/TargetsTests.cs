using ModelBuild.Sdk.Tests.Infrastructure;
using static ModelBuild.Sdk.Tests.EndToEnd.ConsumerProjects;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>The public targets, each run alone, and what IDEs see: design-time builds and fast up-to-date checks.</summary>
[Collection(SdkPackageGroup.Name)]
[Trait("Category", "Integration")]
public sealed class TargetsTests(SdkPackageFixture sdk)
{
    [Fact]
    public void Each_public_target_runs_alone_the_stages_write_only_to_the_cache_and_clean_never_touches_it()
    {
        using var project = Tiny(sdk, out _);
        var result = project.PathOf($"{ModelFolder}/tiny/model.json");

        var download = project.Msbuild("DownloadModels", "-v:n");

        download.AssertSucceeded();
        Assert.Matches(@"ModelBuild: tiny -> onnx FP32: downloaded into the cache, \d+\.\d\d s\.", download.Output);
        Assert.True(CacheFileCount(project) > 0, "Nothing was downloaded into the cache.");
        Assert.False(File.Exists(result));

        var convert = project.Msbuild("ConvertModels", "-v:n");

        convert.AssertSucceeded();
        Assert.Contains(
            "ModelBuild: tiny -> onnx FP32: downloaded and converted into the cache, 2 actions run, 0 from cache (cache miss)",
            convert.Output,
            StringComparison.Ordinal);
        Assert.False(File.Exists(result));

        // FP32 needs no quantize step; the target says so rather than pretend.
        var quantize = project.Msbuild("QuantizeModels", "-v:n");

        quantize.AssertSucceeded();
        Assert.Contains(
            "nothing quantized (FP32 needs no quantization), 0 actions run, 2 from cache (cache hit)",
            quantize.Output,
            StringComparison.Ordinal);
        Assert.False(File.Exists(result));

        var compile = project.Msbuild("CompileModels", "-v:n");

        compile.AssertSucceeded();
        Assert.True(compile.TargetRan(CompileTarget));
        Assert.Contains("ModelBuild: tiny -> onnx FP32: 0 actions run, 2 from cache (cache hit)", compile.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(result));
        Assert.True(File.Exists(project.PathOf($"{ModelFolder}/Models.g.cs")));

        var cacheFiles = CacheFileCount(project);
        var cleanModels = project.Msbuild("CleanModels");

        cleanModels.AssertSucceeded();
        Assert.False(Directory.Exists(project.PathOf(ModelFolder)));
        Assert.Equal(cacheFiles, CacheFileCount(project));

        project.Msbuild("CompileModels").AssertSucceeded();
        var clean = project.Dotnet("clean");

        clean.AssertSucceeded();
        Assert.True(clean.TargetRan("CleanModels"));
        Assert.False(Directory.Exists(project.PathOf(ModelFolder)));
        Assert.Equal(cacheFiles, CacheFileCount(project));
    }

    [Fact]
    public void QuantizeModels_calibrates_on_the_Calibration_folder_quantizes_and_leaves_the_report_in_obj()
    {
        using var project = new ConsumerProject(sdk);
        var model = TinyModel.Create();
        project.WriteBytes("models/tiny.onnx", model);
        project.WriteFile("models/tiny.yaml", TinyModel.Manifest("tiny.onnx"));
        project.WriteFile("Program.cs", TinyModel.Program("Tiny"));
        project.WriteProject(
            $"""<ModelReference Include="models/tiny.yaml" ModelTarget="onnx" Precision="FP16-INT8" Calibration="calibration" />""");
        for (var i = 0; i < 6; i++)
        {
            var values = Enumerable.Range(0, 3 * 8 * 8).Select(v => (float)Math.Sin((v * 0.31) + i) * 3f).ToArray();
            Directory.CreateDirectory(project.PathOf("calibration"));
            ModelBuild.Tensors.NpyFile
                .Write(project.PathOf($"calibration/{i}.npy"), ModelBuild.Tensors.Tensor.Create(values, [1, 3, 8, 8]));
        }

        var quantize = project.Msbuild("QuantizeModels", "-v:n");

        quantize.AssertSucceeded();
        Assert.Contains(
            "ModelBuild: tiny -> onnx FP16-INT8: downloaded, converted and quantized into the cache, 4 actions run",
            quantize.Output,
            StringComparison.Ordinal);
        Assert.Matches(
            @"ModelBuild: tiny: quantized \d+ nodes to INT8 QDQ \(\w+ activations, int8 weights per \w+, MinMax on 6 samples",
            quantize.Output);
        var report = project.PathOf($"{ModelFolder}/tiny/quantization-report.html");
        Assert.Contains($"quantization-report.html written to '{report}'", quantize.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(report));
        Assert.False(File.Exists(project.PathOf($"{ModelFolder}/tiny/model.json")));

        var build = project.Build("-v:n");

        build.AssertSucceeded();
        Assert.Contains(
            "ModelBuild: tiny -> onnx FP16-INT8: 0 actions run, 4 from cache (cache hit)",
            build.Output,
            StringComparison.Ordinal);
        var run = project.Run();
        Assert.True(run.Succeeded, run.Output);
    }

    [Fact]
    public void The_NET_Framework_task_assembly_compiles_the_models_too()
    {
        using var project = Tiny(sdk, out _);

        // Visual Studio's MSBuild cannot run here; the .NET MSBuild loads the same assembly and runs its tasks.
        var taskAssembly = Path.Combine(sdk.PackagesDirectory, "modelbuild.sdk", sdk.Version, "tasks", "net472", "ModelBuild.Tasks.dll");
        string[] frameworkTasks = [$"-p:ModelBuildTaskAssembly={taskAssembly}"];
        var compile = project.Msbuild("CompileModels", frameworkTasks);

        compile.AssertSucceeded();
        Assert.Equal(["tiny"], compile.CompiledModels());
        Assert.True(File.Exists(project.PathOf($"{ModelFolder}/Models.g.cs")));

        var again = project.Msbuild("CompileModels", frameworkTasks);

        again.AssertSucceeded();
        Assert.False(again.TargetRan(CompileTarget));
    }

    [Fact]
    public void Design_time_builds_never_start_the_engine_and_compile_the_last_real_builds_accessor()
    {
        using var project = Tiny(sdk, out _);
        // What an IDE runs: the targets up to the compiler, without running it; either condition alone keeps models out.
        string[] ide = ["-restore", "-p:SkipCompilerExecution=true", "-p:ProvideCommandLineArgs=true"];
        string[] notBuildingProject = [.. ide, "-p:BuildingProject=false"];
        string[] designTime = [.. ide, "-p:BuildingProject=true", "-p:DesignTimeBuild=true"];

        // Before any real build: nothing to show, and nothing fetched to show it.
        var before = project.Msbuild("PrepareResources;Compile", notBuildingProject);

        before.AssertSucceeded();
        Assert.Equal(0, before.TaskRuns(EngineTask));
        Assert.Equal(0, CacheFileCount(project));
        Assert.False(Directory.Exists(project.PathOf($"{ModelFolder}/tiny")));

        project.Build().AssertSucceeded();
        File.SetLastWriteTimeUtc(project.PathOf("models/tiny.yaml"), DateTime.UtcNow);
        var after = project.Msbuild("PrepareResources;Compile", [.. designTime, "-getItem:Compile", "-getItem:EmbeddedResource"]);

        after.AssertSucceeded();
        Assert.Equal(0, after.TaskRuns(EngineTask));
        Assert.Contains(project.PathOf($"{ModelFolder}/Models.g.cs"), after.Output, StringComparison.Ordinal);
        Assert.Contains(project.PathOf($"{ModelFolder}/tiny/tiny.onnx"), after.Output, StringComparison.Ordinal);

        // Fast up-to-date checks: the manifest and the model file it names are inputs at evaluation time.
        var evaluation = project.Dotnet("msbuild", "-getItem:UpToDateCheckInput");

        evaluation.AssertSucceeded();
        Assert.Contains("models/tiny.yaml", evaluation.Output, StringComparison.Ordinal);
        Assert.Contains(project.PathOf("models/tiny.onnx"), evaluation.Output, StringComparison.Ordinal);
    }
}
