using System.Runtime.InteropServices;
using System.Security.Cryptography;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Manifest;
using ModelBuild.Sdk.Tests.Infrastructure;
using ModelBuild.Tensors;
using ModelBuild.Tests;
using static ModelBuild.Sdk.Tests.EndToEnd.ConsumerProjects;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>
/// ONNX Runtime in the app: the SDK references Microsoft.ML.OnnxRuntime unless the app names a flavour itself or
/// opts out, the accessor's CreateSession runs the model, and its image conversion feeds the model the very
/// tensor the build's calibration computes.
/// </summary>
[Collection(SdkPackageGroup.Name)]
[Trait("Category", "Integration")]
public sealed class OnnxRuntimeReferenceTests(SdkPackageFixture sdk)
{
    private static readonly string NativeLibrary =
        OperatingSystem.IsWindows() ? "onnxruntime.dll" : OperatingSystem.IsMacOS() ? "libonnxruntime.dylib" : "libonnxruntime.so";

    /// <summary>The native files Microsoft.ML.OnnxRuntime ships for this machine's RID.</summary>
    private string PackageNativeFolder => Path.Combine(
        sdk.PackagesDirectory,
        "microsoft.ml.onnxruntime",
        SdkPackageFixture.OnnxRuntimeVersion,
        "runtimes",
        RuntimeInformation.RuntimeIdentifier,
        "native");

    [Fact]
    public void The_default_app_gets_Microsoft_ML_OnnxRuntime_and_runs_its_model_through_CreateSession()
    {
        using var project = Tiny(sdk, out var model);

        project.Build().AssertSucceeded();

        var assets = File.ReadAllText(project.PathOf("obj/project.assets.json"));
        Assert.Contains($"\"Microsoft.ML.OnnxRuntime/{SdkPackageFixture.OnnxRuntimeVersion}\"", assets, StringComparison.Ordinal);
        var run = project.Run();
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains("sum=" + TinyModel.ExpectedSum(model), run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_app_that_brings_the_Managed_package_and_its_own_native_library_uses_them_alone()
    {
        using var project = Tiny(sdk, out var model);
        var native = Path.Combine(PackageNativeFolder, NativeLibrary);
        project.WriteBytes("native/" + NativeLibrary, File.ReadAllBytes(native));
        project.WriteProject($"""
            <ModelReference Include="models/tiny.yaml" />
            <PackageReference Include="Microsoft.ML.OnnxRuntime.Managed" Version="{SdkPackageFixture.OnnxRuntimeVersion}" />
            <None Include="native/{NativeLibrary}" Link="{NativeLibrary}" CopyToOutputDirectory="PreserveNewest" />
            """);

        var build = project.Build();

        build.AssertSucceeded();
        Assert.Empty(build.Warnings());
        var assets = File.ReadAllText(project.PathOf("obj/project.assets.json"));
        Assert.Contains("\"Microsoft.ML.OnnxRuntime.Managed/", assets, StringComparison.Ordinal);
        Assert.DoesNotContain($"\"Microsoft.ML.OnnxRuntime/", assets, StringComparison.Ordinal);
        // One native library in the output: the app's own, beside it.
        Assert.Equal(
            [project.PathOf($"bin/Debug/net10.0/{NativeLibrary}")],
            Directory.GetFiles(project.PathOf("bin"), NativeLibrary, SearchOption.AllDirectories));
        var run = project.Run();
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains("sum=" + TinyModel.ExpectedSum(model), run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Opting_out_leaves_out_ONNX_Runtime_and_ModelBuild_Runtime_and_the_accessor_compiles_without_CreateSession()
    {
        using var project = Tiny(sdk, out var model);
        project.WriteFile("Program.cs", "System.Console.WriteLine(\"bytes=\" + Consumer.Models.Tiny.ReadAllBytes().Length);");
        project.WriteProject(
            """<ModelReference Include="models/tiny.yaml" />""",
            "<ModelBuildReferenceRuntime>false</ModelBuildReferenceRuntime>");

        var build = project.Build();

        build.AssertSucceeded();
        Assert.DoesNotContain("OnnxRuntime", File.ReadAllText(project.PathOf("obj/project.assets.json")), StringComparison.Ordinal);
        Assert.False(File.Exists(project.PathOf("bin/Debug/net10.0/ModelBuild.Imaging.dll")));
        var run = project.Run();
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains(
            "bytes=" + new FileInfo(project.PathOf($"{ModelFolder}/tiny/tiny.onnx")).Length,
            run.Output,
            StringComparison.Ordinal);

        // The accessor has CreateSession only where ONNX Runtime is referenced.
        project.WriteFile("Program.cs", "using var session = Consumer.Models.Tiny.CreateSession();");
        var withSession = project.Build();

        Assert.False(withSession.Succeeded);
        Assert.Contains("CS0117", withSession.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Publishing_for_a_runtime_identifier_carries_only_that_identifiers_native_library()
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        sdk.WarmPackages(
            $"<TargetFramework>net10.0</TargetFramework><RuntimeIdentifier>{rid}</RuntimeIdentifier><SelfContained>false</SelfContained>");
        using var project = Tiny(sdk, out var model);

        var publish = project.Dotnet("publish", "-r", rid, "--self-contained", "false", "-o", project.PathOf("pub"));

        publish.AssertSucceeded();
        var natives = Directory.GetFiles(project.PathOf("pub"), "*onnxruntime*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(project.PathOf("pub"), f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        // Microsoft.ML.OnnxRuntime ships linux-arm64, linux-x64, osx-arm64, win-arm64, win-x64 and mobile libraries; the publish keeps this
        // RID's, beside the app.
        var expected = Directory.GetFiles(PackageNativeFolder).Select(Path.GetFileName)
            .Where(f => !f!.EndsWith(".lib", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        Assert.Contains(NativeLibrary, natives);
        Assert.Equal(expected, natives);
        Assert.False(Directory.Exists(project.PathOf("pub/runtimes")));
        var run = project.Execute("pub/Consumer.dll");
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains("sum=" + TinyModel.ExpectedSum(model), run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_accessor_turns_an_image_into_the_very_tensor_calibration_computes_from_it()
    {
        using var project = new ConsumerProject(sdk);
        project.WriteBytes("models/tiny.onnx", TinyModel.Create());
        // PAD_RIGHT with a mean and scale: a tall image leaves padded columns, which must be 0 after normalisation.
        const string Manifest = """
            input_model: tiny.onnx
            inputs:
              - name: image
                shape: [1, 3, 8, 8]
                layout: NCHW
                encoding: BGR
                mean_values: [10, 20, 30]
                scale_values: [2, 4, 8]
                calibration:
                  path: ../images
                  resize_method: PAD_RIGHT
            """;
        project.WriteFile("models/tiny.yaml", Manifest);
        Directory.CreateDirectory(project.PathOf("images"));
        var image = project.PathOf("images/tall.png");
        var convert = ProcessRunner.Run(
            "convert",
            ["-size", "5x9", "gradient:rgb(250,40,3)-rgb(7,120,230)", "-define", "png:color-type=2", image]);
        Assert.True(convert.Succeeded, convert.Output);
        project.WriteFile("Program.cs", """
            using System.Runtime.InteropServices;
            using System.Security.Cryptography;
            using Consumer;
            using ModelBuild.Imaging;

            var input = Models.Tiny.Inputs[0];
            var frame = ImageDecoder.DecodeFile(args[0]);
            var tensor = input.ToTensor(frame);
            Console.WriteLine("tensor=" + Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(tensor.Buffer.Span))));
            using var value = input.ToOrtValue(frame);
            Console.WriteLine(
                "ortvalue=" + Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(value.GetTensorDataAsSpan<float>()))));
            Console.WriteLine("resize=" + input.ResizeMethod);
            using var session = Models.Tiny.CreateSession();
            using var output = session.Run([input.ToNamedOnnxValue(frame)]);
            Console.WriteLine("outputs=" + output.Count);
            """);
        project.WriteProject("""<ModelReference Include="models/tiny.yaml" />""");

        project.Build().AssertSucceeded();
        var run = project.Run(image);

        Assert.True(run.Succeeded, run.Output);
        var expected = "=" + Convert.ToHexStringLower(SHA256.HashData(CalibrationTensor(project.PathOf("models/tiny.yaml"), Manifest)));
        Assert.Contains("tensor" + expected, run.Output, StringComparison.Ordinal);
        Assert.Contains("ortvalue" + expected, run.Output, StringComparison.Ordinal);
        Assert.Contains("resize=PAD_RIGHT", run.Output, StringComparison.Ordinal);
        Assert.Contains("outputs=1", run.Output, StringComparison.Ordinal);
    }

    /// <summary>The bytes of the tensor the build's calibration reads from the manifest's one image, as the build sets it up.</summary>
    private static byte[] CalibrationTensor(string manifestPath, string manifestText)
    {
        var stage = ManifestLoader.LoadText(manifestText, manifestPath).Manifest!.SingleStage!;
        var resolved = ManifestInputResolver.Resolve(stage, [new ModelInput("image", [1, 3, 8, 8])]).Inputs.Single();
        var input = new CalibrationInput(
            "image",
            TensorElementType.Float,
            [1, 3, 8, 8],
            resolved.Calibration.Value,
            ImageFeed.FromResolved(resolved, preprocessingInModel: false),
            Path.GetDirectoryName(manifestPath)!);
        var sample = CalibrationDataset.Open([input]).Read().Single();
        var tensor = sample.Inputs.Single().Value;
        // The padded columns are 0 after normalisation: with mean 10 and scale 2, black would be -5.
        Assert.Equal(0f, tensor.ToArray<float>()[7]);
        return tensor.AsBytes().ToArray();
    }
}
