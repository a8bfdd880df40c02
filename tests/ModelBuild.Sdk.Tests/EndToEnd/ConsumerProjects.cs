using ModelBuild.Sdk.Tests.Infrastructure;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>Consumer projects several test classes start from.</summary>
internal static class ConsumerProjects
{
    /// <summary>The binary log's name of the target that starts the engine, and of the task that does.</summary>
    public const string CompileTarget = "_ModelBuildCompile";

    public const string EngineTask = "CompileModels";

    /// <summary>Where a model's outputs go in a consumer built in Debug.</summary>
    public const string ModelFolder = "obj/Debug/modelbuild";

    /// <summary>A console app with one model, <c>tiny</c>, through <c>&lt;Sdk Name="ModelBuild.Sdk" /&gt;</c>.</summary>
    public static ConsumerProject Tiny(SdkPackageFixture sdk, out byte[] model, string metadata = "")
    {
        var project = new ConsumerProject(sdk);
        model = TinyModel.Create();
        project.WriteBytes("models/tiny.onnx", model);
        project.WriteFile("models/tiny.yaml", TinyModel.Manifest("tiny.onnx"));
        project.WriteFile("Program.cs", TinyModel.Program("Tiny"));
        project.WriteProject($"""<ModelReference Include="models/tiny.yaml" ModelTarget="onnx" Precision="FP32" {metadata} />""");
        return project;
    }

    /// <summary>Files in the cache folder, to show that something did or did not touch it.</summary>
    public static int CacheFileCount(ConsumerProject project) =>
        Directory.Exists(project.CacheDirectory) ? Directory.GetFiles(project.CacheDirectory, "*", SearchOption.AllDirectories).Length : 0;
}
