using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using ModelBuild.Sdk.Tests.Infrastructure;
using static ModelBuild.Sdk.Tests.EndToEnd.ConsumerProjects;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>
/// The ways a project can use the SDK, and what leaves the build: multi-targeting, a library's
/// package, and an app published self-contained, as a single file, trimmed.
/// </summary>
[Collection(SdkPackageGroup.Name)]
[Trait("Category", "Integration")]
public sealed class PackagingTests(SdkPackageFixture sdk)
{
    [Fact]
    public void Works_in_the_Sdk_attribute_of_the_project_element()
    {
        using var project = Tiny(sdk, out var model);
        project.WriteProjectFile(project.Name + ".csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk;ModelBuild.Sdk/{sdk.Version}">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <ModelReference Include="models/tiny.yaml" />
              </ItemGroup>
            </Project>
            """);

        project.Build().AssertSucceeded();

        Assert.Contains("sum=" + TinyModel.ExpectedSum(model), project.Run().Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_multi_targeting_project_compiles_each_model_once_and_embeds_it_in_every_framework()
    {
        sdk.WarmPackages("<TargetFrameworks>net10.0;net8.0</TargetFrameworks>");
        using var project = Tiny(sdk, out _);
        project.WriteFile(
            "Program.cs",
            "System.Console.WriteLine(Consumer.Models.Tiny.ResourceName + \" \" + Consumer.Models.Tiny.ReadAllBytes().Length);");
        project.WriteProjectFile(project.Name + ".csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFrameworks>net10.0;net8.0</TargetFrameworks>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ModelBuild.Sdk" Version="{sdk.Version}" PrivateAssets="all" />
                <ModelReference Include="models/tiny.yaml" />
              </ItemGroup>
            </Project>
            """);

        var build = project.Build("-m");

        build.AssertSucceeded();
        Assert.Equal(1, build.TaskRuns(EngineTask));
        Assert.Equal(["tiny"], build.CompiledModels());
        var compiled = File.ReadAllBytes(project.PathOf($"{ModelFolder}/tiny/tiny.onnx"));
        foreach (var framework in new[] { "net10.0", "net8.0" })
        {
            var resources = ResourcesOf(File.ReadAllBytes(project.PathOf($"bin/Debug/{framework}/Consumer.dll")));
            Assert.Equal(compiled, resources["Consumer.Models.tiny.onnx"]);
        }

        var run = project.Execute("bin/Debug/net10.0/Consumer.dll");
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains($"Consumer.Models.tiny.onnx {compiled.Length}", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_library_package_ships_its_model_and_an_app_using_it_publishes_self_contained_single_file_trimmed()
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        sdk.WarmPackages(
            $"<TargetFramework>net10.0</TargetFramework><RuntimeIdentifier>{rid}</RuntimeIdentifier><SelfContained>true</SelfContained>" +
            "<PublishTrimmed>true</PublishTrimmed><PublishSingleFile>true</PublishSingleFile>");
        using var folder = new ConsumerProject(sdk, name: "Lib");
        var model = TinyModel.Create(seed: 5);
        folder.WriteBytes("models/tiny.onnx", model);
        folder.WriteFile("models/tiny.yaml", TinyModel.Manifest("tiny.onnx"));
        folder.WriteFile("models/big.yaml", TinyModel.Manifest("tiny.onnx"));

        // The library: ModelBuild.Sdk as a plain PackageReference, so its consumers get ModelBuild.Imaging through buildTransitive.
        folder.WriteProjectFile("Lib.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <PackageId>Tiny.Lib</PackageId>
                <Version>1.0.0</Version>
                <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ModelBuild.Sdk" Version="{sdk.Version}" />
                <!-- A first restore does not see what a package's targets add,
                     so a PackageReference-form project names ONNX Runtime itself. -->
                <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="{SdkPackageFixture.OnnxRuntimeVersion}" />
                <ModelReference Include="models/tiny.yaml" Access="public" />
                <Compile Include="Scorer.cs" />
              </ItemGroup>
            </Project>
            """);
        folder.WriteFile("Scorer.cs", """
            using Microsoft.ML.OnnxRuntime;

            namespace Lib;

            public static class Scorer
            {
                public static float Sum()
                {
                    var input = Models.Tiny.Inputs[0];
                    using var session = Models.Tiny.CreateSession();
                    var count = (int)input.Shape.Aggregate(1L, (a, b) => a * b);
                    var data = Enumerable.Range(0, count).Select(i => (i % 7) - 3f).ToArray();
                    using var value = OrtValue.CreateTensorValueFromMemory(data, [.. input.Shape]);
                    using var options = new RunOptions();
                    using var output = session.Run(options, [input.Name], [value], [session.OutputNames[0]]);
                    return output[0].GetTensorDataAsSpan<float>().ToArray().Sum();
                }
            }
            """);
        var pack = folder.Dotnet("pack", "-o", folder.PathOf("feed"));
        pack.AssertSucceeded();

        using (var package = ZipFile.OpenRead(folder.PathOf("feed/Tiny.Lib.1.0.0.nupkg")))
        {
            using var dll = new MemoryStream();
            using (var entry = package.GetEntry("lib/net10.0/Lib.dll")!.Open())
            {
                entry.CopyTo(dll);
            }

            Assert.Equal(
                File.ReadAllBytes(folder.PathOf("obj/Release/modelbuild/tiny/tiny.onnx")),
                ResourcesOf(dll.ToArray())["Lib.Models.tiny.onnx"]);
            using var nuspec = new StreamReader(package.GetEntry("Tiny.Lib.nuspec")!.Open());
            Assert.Matches("""<dependency id="ModelBuild.Sdk" version="[^"]+" exclude="Build,Analyzers" />""", nuspec.ReadToEnd());
        }

        // The app: only the library's package; its own model is copied beside it rather than embedded.
        folder.AddFeed(folder.PathOf("feed"));
        folder.WriteProjectFile("App/App.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Tiny.Lib" Version="1.0.0" />
                <ModelReference Include="../models/big.yaml" Embed="false" />
              </ItemGroup>
            </Project>
            """);
        folder.WriteFile("App/Program.cs", """
            using System.Globalization;

            Console.WriteLine("lib=" + Lib.Scorer.Sum().ToString("R", CultureInfo.InvariantCulture));
            Console.WriteLine($"file={App.Models.Big.FileName} exists={File.Exists(App.Models.Big.FilePath)} " +
                $"bytes={App.Models.Big.ReadAllBytes().Length}");
            """);
        // The same manifest content as the library's model: the same compiled bytes.
        var compiledBig = "bytes=" + new FileInfo(folder.PathOf("obj/Release/modelbuild/tiny/tiny.onnx")).Length;

        var build = folder.DotnetOn("App/App.csproj", "build");

        build.AssertSucceeded();
        var expected = "lib=" + TinyModel.ExpectedSum(model);
        var run = folder.Execute("App/bin/Debug/net10.0/App.dll");
        Assert.True(run.Succeeded, run.Output);
        Assert.Contains(expected, run.Output, StringComparison.Ordinal);
        Assert.Contains("file=big.onnx exists=True", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(
            ResourcesOf(File.ReadAllBytes(folder.PathOf("App/bin/Debug/net10.0/App.dll"))).Keys,
            name => name.Contains("big", StringComparison.Ordinal));

        var publish = folder.DotnetOn(
            "App/App.csproj",
            "publish",
            "-r",
            rid,
            "--self-contained",
            "-p:PublishSingleFile=true",
            "-p:PublishTrimmed=true",
            "-o",
            folder.PathOf("pub"));

        publish.AssertSucceeded();
        Assert.False(File.Exists(folder.PathOf("pub/App.dll")), "The app was not published as a single file.");
        Assert.True(File.Exists(folder.PathOf("pub/big.onnx")));
        var published = folder.Execute("pub/App");
        Assert.True(published.Succeeded, published.Output);
        Assert.Contains(expected, published.Output, StringComparison.Ordinal);
        Assert.Contains("file=big.onnx exists=True", published.Output, StringComparison.Ordinal);
        Assert.Contains(compiledBig, published.Output, StringComparison.Ordinal);
    }

    /// <summary>The manifest resources of an assembly, by name.</summary>
    private static Dictionary<string, byte[]> ResourcesOf(byte[] assembly)
    {
        using var pe = new PEReader(new MemoryStream(assembly));
        var metadata = pe.GetMetadataReader();
        var resources = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var section = pe.GetSectionData(pe.PEHeaders.CorHeader!.ResourcesDirectory.RelativeVirtualAddress);
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            var reader = section.GetReader((int)resource.Offset, section.Length - (int)resource.Offset);
            var length = reader.ReadInt32();
            resources[metadata.GetString(resource.Name)] = reader.ReadBytes(length);
        }

        return resources;
    }
}
