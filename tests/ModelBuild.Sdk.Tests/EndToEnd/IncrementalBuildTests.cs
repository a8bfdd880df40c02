using ModelBuild.Sdk.Tests.Infrastructure;
using static ModelBuild.Sdk.Tests.EndToEnd.ConsumerProjects;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>
/// What starts the engine and what does not, read from binary logs of real <c>dotnet build</c> runs.
/// Each test walks one project through several builds, so that one first build serves many checks.
/// </summary>
[Collection(SdkPackageGroup.Name)]
[Trait("Category", "Integration")]
public sealed class IncrementalBuildTests(SdkPackageFixture sdk)
{
    [Fact]
    public void Builds_once_then_skips_without_the_engine_until_the_model_file_changes()
    {
        using var project = Tiny(sdk, out var model);

        var first = project.Build("-v:n");

        first.AssertSucceeded();
        Assert.Equal(1, first.TaskRuns(EngineTask));

        // Normal verbosity: one line per model with its name, target, precision, cache verdict, time and size; no details.
        Assert.Matches(
            @"ModelBuild: tiny -> onnx FP32: 2 actions run, 0 from cache \(cache miss\), \d+\.\d\d s, \d+(\.\d)? (bytes|KiB)\.",
            first.Output);
        Assert.DoesNotContain("modelbuild.dll compile", first.Output, StringComparison.Ordinal);
        Assert.DoesNotMatch("action [0-9a-f]{64}", first.Output);
        var run = project.Run();
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains("resource=Consumer.Models.tiny.onnx", run.Output, StringComparison.Ordinal);
        Assert.Contains("shape=1,3,8,8", run.Output, StringComparison.Ordinal);
        Assert.Contains("sum=" + TinyModel.ExpectedSum(model), run.Output, StringComparison.Ordinal);

        var noop = project.Build();

        noop.AssertSucceeded();
        Assert.False(noop.TargetRan(CompileTarget), "The compile target ran although nothing changed.");
        Assert.Equal(0, noop.TaskRuns(EngineTask));

        var replacement = TinyModel.Create(seed: 42);
        project.WriteBytes("models/tiny.onnx", replacement);
        var rebuild = project.Build("-v:d");

        rebuild.AssertSucceeded();
        Assert.Equal(["tiny"], rebuild.CompiledModels());

        // Detailed verbosity: the engine's command line and every action's key.
        Assert.Contains("modelbuild.dll compile --request ", rebuild.Output, StringComparison.Ordinal);
        Assert.Matches("ModelBuild: tiny: prepare: action [0-9a-f]{64} run", rebuild.Output);
        Assert.Contains("sum=" + TinyModel.ExpectedSum(replacement), project.Run().Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_kind_of_change_recompiles_exactly_the_models_it_touches()
    {
        using var project = new ConsumerProject(sdk);
        project.WriteBytes("models/tiny.onnx", TinyModel.Create());
        project.WriteBytes("models/own.onnx", TinyModel.Create(seed: 3));
        string[] names =
        [
            "manifest", "model-file", "overrides", "target", "precision", "calibration-changed", "calibration-added", "calibration-removed",
            "unchanged",
        ];
        foreach (var name in names)
        {
            project.WriteFile($"models/{name}.yaml", TinyModel.Manifest(name == "model-file" ? "own.onnx" : "tiny.onnx"));
        }

        // Raw calibration tensors: FP32 compiles do not read them, but they are inputs of the model all the same.
        foreach (var folder in new[] { "changed", "added", "removed" })
        {
            project.WriteBytes($"calibration/{folder}/1.raw", [1, 2, 3]);
            project.WriteBytes($"calibration/{folder}/2.raw", [4, 5, 6]);
        }

        project.WriteFile("Program.cs", "System.Console.WriteLine(Consumer.Models.Unchanged.Name);");
        project.WriteProject(Items(overrides: "", target: "onnx", precision: "FP32"));
        var first = project.Build();
        first.AssertSucceeded();
        Assert.Equal(names.Order(StringComparer.Ordinal), first.CompiledModels());

        Touch(project.PathOf("models/manifest.yaml"));
        project.WriteBytes("models/own.onnx", TinyModel.Create(seed: 4));
        project.WriteBytes("calibration/changed/1.raw", [9, 9, 9]);
        project.WriteBytes("calibration/added/3.raw", [7, 7, 7]);
        File.SetLastWriteTimeUtc(project.PathOf("calibration/added/3.raw"), new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.Delete(project.PathOf("calibration/removed/2.raw"));
        project.WriteProject(Items(overrides: "inputs.0.shape=[2,3,8,8]", target: "ONNX", precision: "fp32"));
        var rebuild = project.Build();

        rebuild.AssertSucceeded();
        Assert.Equal(names.Where(n => n != "unchanged").Order(StringComparer.Ordinal), rebuild.CompiledModels());
        Assert.Contains(
            "new long[] { 2, 3, 8, 8 }",
            File.ReadAllText(project.PathOf($"{ModelFolder}/Models.g.cs")),
            StringComparison.Ordinal);

        // The salt is in every action key: everything is compiled again, and computed again.
        var salted = project.Build("-p:ModelBuildCacheSalt=one");

        salted.AssertSucceeded();
        Assert.Equal(names.Order(StringComparer.Ordinal), salted.CompiledModels());
        Assert.True(salted.ActionsRun() > 0, "A new salt found its actions in the cache.");

        // Another engine (here: another folder, then the same files with another time) recompiles every model.
        var engine = CopyEngine(project);
        var moved = project.Build("-p:ModelBuildCacheSalt=one", $"-p:ModelBuildToolPath={engine}");

        moved.AssertSucceeded();
        Assert.Equal(names.Order(StringComparer.Ordinal), moved.CompiledModels());
        Assert.Equal(0, moved.ActionsRun());

        File.SetLastWriteTimeUtc(Path.Combine(engine, "modelbuild.dll"), new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var older = project.Build("-p:ModelBuildCacheSalt=one", $"-p:ModelBuildToolPath={engine}");

        older.AssertSucceeded();
        Assert.Equal(names.Order(StringComparer.Ordinal), older.CompiledModels());

        // Another target and another precision: those two models are handed to the engine again, whatever it makes of them.
        project.WriteProject(Items(overrides: "inputs.0.shape=[2,3,8,8]", target: "ort", precision: "FP16"));
        var retargeted = project.Build("-p:ModelBuildCacheSalt=one", $"-p:ModelBuildToolPath={engine}");

        Assert.Equal(1, retargeted.TaskRuns(EngineTask));
        var stale = retargeted.Messages().Where(
            m => m.StartsWith("ModelBuild: '", StringComparison.Ordinal) && m.Contains("' is stale: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, stale.Count);
        Assert.Contains(stale, m => m.StartsWith("ModelBuild: 'target' is stale: ", StringComparison.Ordinal)
            && m.Contains("inputs.stamp' changed", StringComparison.Ordinal));
        Assert.Contains(stale, m => m.StartsWith("ModelBuild: 'precision' is stale: ", StringComparison.Ordinal)
            && m.Contains("inputs.stamp' changed", StringComparison.Ordinal));
    }

    [Fact]
    public void With_obj_deleted_and_a_warm_cache_the_engine_runs_no_action_and_restores_the_outputs()
    {
        using var project = Tiny(sdk, out var model);
        project.Build().AssertSucceeded();
        Directory.Delete(project.PathOf("obj"), recursive: true);
        Directory.Delete(project.PathOf("bin"), recursive: true);

        var rebuild = project.Build();

        rebuild.AssertSucceeded();
        Assert.Equal(1, rebuild.TaskRuns(EngineTask));
        Assert.Contains(
            rebuild.Messages(),
            m => m.StartsWith("ModelBuild: tiny -> onnx FP32: 0 actions run, 2 from cache (cache hit), ", StringComparison.Ordinal));
        Assert.Contains("sum=" + TinyModel.ExpectedSum(model), project.Run().Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Four_projects_referencing_one_manifest_built_in_parallel_compute_the_model_once()
    {
        using var folder = new ConsumerProject(sdk);
        folder.WriteBytes("models/tiny.onnx", TinyModel.Create());
        folder.WriteFile("models/tiny.yaml", TinyModel.Manifest("tiny.onnx"));
        string[] projects = ["A", "B", "C", "D"];
        foreach (var name in projects)
        {
            folder.WriteProjectFile($"{name}/{name}.csproj", """
                <Project Sdk="Microsoft.NET.Sdk">
                  <Sdk Name="ModelBuild.Sdk" />
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                  </PropertyGroup>
                  <ItemGroup>
                    <ModelReference Include="../models/tiny.yaml" />
                  </ItemGroup>
                </Project>
                """);
        }

        folder.WriteFile(
            "All.slnx",
            $"<Solution>\n{string.Concat(projects.Select(p => $"  <Project Path=\"{p}/{p}.csproj\" />\n"))}</Solution>\n");

        var build = folder.DotnetOn("All.slnx", "build", "-m");

        build.AssertSucceeded();
        Assert.Equal(4, build.TaskRuns(EngineTask));
        Assert.Equal(["tiny", "tiny", "tiny", "tiny"], build.CompiledModels());
        Assert.Equal(2, build.ActionsRun());
    }

    private static string Items(string overrides, string target, string precision) => $"""
        <ModelReference Include="models/manifest.yaml" />
        <ModelReference Include="models/model-file.yaml" />
        <ModelReference Include="models/overrides.yaml" Overrides="{overrides}" />
        <ModelReference Include="models/target.yaml" ModelTarget="{target}" />
        <ModelReference Include="models/precision.yaml" Precision="{precision}" />
        <ModelReference Include="models/calibration-changed.yaml" Calibration="calibration/changed" />
        <ModelReference Include="models/calibration-added.yaml" Calibration="calibration/added" />
        <ModelReference Include="models/calibration-removed.yaml" Calibration="calibration/removed" />
        <ModelReference Include="models/unchanged.yaml" />
        """;

    /// <summary>A second engine folder: the package's engine files, sharing its native libraries.</summary>
    private string CopyEngine(ConsumerProject project)
    {
        var source = Path.Combine(sdk.PackagesDirectory, "modelbuild.sdk", sdk.Version, "tools", "net10.0");
        var target = Directory.CreateDirectory(project.PathOf("engine")).FullName;
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        Directory.CreateSymbolicLink(Path.Combine(target, "runtimes"), Path.Combine(source, "runtimes"));
        return target + Path.DirectorySeparatorChar;
    }

    private static void Touch(string path) => File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
}
