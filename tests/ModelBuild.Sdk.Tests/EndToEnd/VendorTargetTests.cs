using ModelBuild.Core.Tests.Toolchains;
using ModelBuild.Sdk.Tests.Infrastructure;
using static ModelBuild.Sdk.Tests.EndToEnd.ConsumerProjects;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>
/// A vendor target in a real consumer build: <c>ModelTarget="rvc2"</c> compiled by stand-ins of OpenVINO 2022.3's
/// mo and compile_tool named in <c>ModelBuildToolchainPaths</c>, the blob embedded, the accessor compiled and
/// run; then, with the tools gone and obj/ deleted, the same build restored from the cache.
/// </summary>
[Collection(SdkPackageGroup.Name)]
[Trait("Category", "Integration")]
public sealed class VendorTargetTests(SdkPackageFixture sdk)
{
    [Fact]
    public void An_rvc2_model_is_compiled_by_the_toolchain_embedded_and_restored_without_the_tools()
    {
        using var tools = new StandInTools();
        tools.AddOpenVino2022();
        using var project = new ConsumerProject(sdk);
        project.WriteBytes("models/tiny.onnx", TinyModel.Create());
        project.WriteFile("models/tiny.yaml", TinyModel.Manifest("tiny.onnx") + "\nrvc2:\n  superblob: false\n");
        project.WriteFile("Program.cs", """
            using Consumer;

            var blob = Models.Tiny.ReadAllBytes();
            Console.WriteLine($"resource={Models.Tiny.ResourceName} bytes={blob.Length} target={Models.Tiny.Target} " +
                $"input={Models.Tiny.Inputs[0].ElementType}");
            Console.WriteLine("first=" + System.Text.Encoding.UTF8.GetString(blob).Split('\n')[0]);
            Console.WriteLine("files=" + string.Join(",", Models.Tiny.FileNames));
            using var buildInfo = Models.Tiny.OpenFile("tiny.vendor-buildinfo.json");
            var buildInfoText = new StreamReader(buildInfo).ReadToEnd();
            Console.WriteLine("buildinfo=" + buildInfoText.Contains("\"route\": \"toolchain\"", StringComparison.Ordinal));
            """);
        var toolPaths = $"mo={tools.Paths["mo"]};compile_tool={tools.Paths["compile_tool"]}";
        project.WriteProject(
            """<ModelReference Include="models/tiny.yaml" ModelTarget="rvc2" Precision="FP16" />""",
            $"<ModelBuildVendorRoute>toolchain</ModelBuildVendorRoute><ModelBuildToolchainPaths>{toolPaths}</ModelBuildToolchainPaths>");

        var build = project.Build();

        build.AssertSucceeded();
        Assert.Equal(["tiny"], build.CompiledModels());
        var blob = File.ReadAllBytes(project.PathOf($"{ModelFolder}/tiny/tiny.blob"));
        Assert.Single(tools.Calls("compile_tool"));
        Assert.Contains(
            "compile_tool -d MYRIAD",
            File.ReadAllText(project.PathOf($"{ModelFolder}/tiny/vendor/modelbuild-vendor.log")),
            StringComparison.Ordinal);
        Assert.Equal(
            ["-d", "MYRIAD", "-ip", "U8", "-m", "intermediate_outputs/tiny.xml", "-o", "intermediate_outputs/tiny-rvc2.blob",
             "-c", "intermediate_outputs/myriad_8shaves.conf"],
            tools.Calls("compile_tool")[0]);
        var run = project.Run();
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains(
            $"resource=Consumer.Models.tiny.blob bytes={blob.Length} target=rvc2 input=uint8",
            run.Output,
            StringComparison.Ordinal);
        Assert.Contains("first=BLOB MYRIAD intermediate_outputs/tiny.xml", run.Output, StringComparison.Ordinal);
        Assert.Contains("files=tiny.blob,tiny.vendor-buildinfo.json", run.Output, StringComparison.Ordinal);
        Assert.Contains("buildinfo=True", run.Output, StringComparison.Ordinal);

        // A machine without the tools, same cache: a fresh obj/ builds from the cached result.
        File.Move(tools.Paths["compile_tool"], tools.Paths["compile_tool"] + ".gone");
        File.Move(tools.Paths["mo"], tools.Paths["mo"] + ".gone");
        Directory.Delete(project.PathOf("obj"), recursive: true);
        Directory.Delete(project.PathOf("bin"), recursive: true);

        var restored = project.Build();

        restored.AssertSucceeded();
        Assert.Equal(0, restored.ActionsRun());
        Assert.Equal(blob, File.ReadAllBytes(project.PathOf($"{ModelFolder}/tiny/tiny.blob")));
        Assert.Single(tools.Calls("compile_tool"));
    }

    [Fact]
    public void Package_nnarchive_embeds_the_NN_Archive_and_taking_the_metadata_away_embeds_the_blob_again()
    {
        using var tools = new StandInTools();
        tools.AddOpenVino2022();
        using var project = new ConsumerProject(sdk);
        project.WriteBytes("models/tiny.onnx", TinyModel.Create());
        project.WriteFile("models/tiny.yaml", TinyModel.Manifest("tiny.onnx") + "\nrvc2:\n  superblob: false\n");
        project.WriteFile("Program.cs", """
            using Consumer;

            Console.WriteLine($"resource={Models.Tiny.ResourceName}");
            if (Models.Tiny.ResourceName.EndsWith(".tar.xz", StringComparison.Ordinal))
            {
                using var copy = File.Create("embedded.tar.xz");
                Models.Tiny.OpenStream().CopyTo(copy);
            }
            """);
        var properties = "<ModelBuildVendorRoute>toolchain</ModelBuildVendorRoute>" +
            $"<ModelBuildToolchainPaths>mo={tools.Paths["mo"]};compile_tool={tools.Paths["compile_tool"]}</ModelBuildToolchainPaths>";
        project.WriteProject(
            """<ModelReference Include="models/tiny.yaml" ModelTarget="rvc2" Precision="FP16" Package="nnarchive" />""",
            properties);

        var archived = project.Build();

        archived.AssertSucceeded();
        var run = project.Run();
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains("resource=Consumer.Models.tiny.rvc2.tar.xz", run.Output, StringComparison.Ordinal);
        var listing = ModelBuild.Tests.ProcessRunner.Run("tar", ["-tJf", Path.Combine(project.Directory, "embedded.tar.xz")]);
        Assert.True(listing.Succeeded, listing.Output);
        Assert.Equal("tiny.blob\nbuildinfo.json\nconfig.json\n", listing.Output);

        project.WriteProject("""<ModelReference Include="models/tiny.yaml" ModelTarget="rvc2" Precision="FP16" />""", properties);
        var plain = project.Build();

        plain.AssertSucceeded();
        Assert.Equal(["tiny"], plain.CompiledModels());
        run = project.Run();
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains("resource=Consumer.Models.tiny.blob", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenVINO_IR_copied_beside_the_app_is_two_files_the_accessor_opens_by_name()
    {
        using var tools = new StandInTools();
        tools.AddOvc();
        using var project = new ConsumerProject(sdk);
        project.WriteBytes("models/tiny.onnx", TinyModel.Create());
        project.WriteFile("models/tiny.yaml", TinyModel.Manifest("tiny.onnx"));
        project.WriteFile("Program.cs", """
            using Consumer;

            Console.WriteLine($"file={Models.Tiny.FileName} files={string.Join(",", Models.Tiny.FileNames)}");
            foreach (var name in Models.Tiny.FileNames.Take(2))
            {
                using var reader = new StreamReader(Models.Tiny.OpenFile(name));
                Console.WriteLine($"{name}={reader.ReadToEnd().Trim()}");
            }
            """);
        project.WriteProject(
            """<ModelReference Include="models/tiny.yaml" ModelTarget="openvino" Precision="FP16" Embed="false" />""",
            $"<ModelBuildToolchainPaths>ovc={tools.Paths["ovc"]}</ModelBuildToolchainPaths>");

        var build = project.Build();

        build.AssertSucceeded();
        Assert.Equal(
            ["intermediate_outputs/tiny.onnx", "--output_model", "intermediate_outputs/ir/tiny.xml", "--compress_to_fp16=True"],
            Assert.Single(tools.Calls("ovc")));
        Assert.True(File.Exists(project.PathOf("bin/Debug/net10.0/tiny.bin")));
        var run = project.Run();
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains("file=tiny.xml files=tiny.xml,tiny.bin,tiny.vendor-buildinfo.json", run.Output, StringComparison.Ordinal);
        Assert.Contains("tiny.xml=xml", run.Output, StringComparison.Ordinal);
        Assert.Contains("tiny.bin=bin", run.Output, StringComparison.Ordinal);
    }
}
