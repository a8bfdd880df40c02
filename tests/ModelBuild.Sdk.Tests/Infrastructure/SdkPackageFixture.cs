using ModelBuild.Tests;

namespace ModelBuild.Sdk.Tests.Infrastructure;

/// <summary>
/// Packs ModelBuild.Sdk once per test run into a temporary local feed, the way a user would get it,
/// with a private NuGet packages folder so that no earlier package of the same version is reused.
/// </summary>
public sealed class SdkPackageFixture : IDisposable
{
    public SdkPackageFixture()
    {
        Root = Directory.CreateTempSubdirectory("modelbuild-sdk-tests-").FullName;
        FeedDirectory = Path.Combine(Root, "feed");
        PackagesDirectory = Path.Combine(Root, "packages");
        var pack = ProcessRunner.Run(
            "dotnet",
            ["pack", RepositoryLayout.PathOf("sdk", "ModelBuild.Sdk"), "-c", "Release", "-o", FeedDirectory, "-nodeReuse:false"],
            environment: ConsumerProject.IsolatedEnvironment(PackagesDirectory, cacheDirectory: null));
        if (!pack.Succeeded)
        {
            throw new InvalidOperationException("dotnet pack of ModelBuild.Sdk failed:\n" + pack.Output);
        }

        var package = Directory.GetFiles(FeedDirectory, "ModelBuild.Sdk.*.nupkg").Single();
        Version = Path.GetFileNameWithoutExtension(package)["ModelBuild.Sdk.".Length..];

        // Every app gets ONNX Runtime from the SDK, and consumers restore from local feeds only.
        WarmPackages(
            "<TargetFramework>net10.0</TargetFramework>",
            $"<PackageReference Include=\"Microsoft.ML.OnnxRuntime\" Version=\"{OnnxRuntimeVersion}\" />");
    }

    /// <summary>The Microsoft.ML.OnnxRuntime version the SDK references by default.</summary>
    public const string OnnxRuntimeVersion = "1.32.0";

    private readonly HashSet<string> _warmed = [];

    /// <summary>
    /// Restores a throwaway project with the given properties through the machine's own NuGet sources
    /// into <see cref="PackagesDirectory"/>, once: the framework, runtime and trimming packs it needs are
    /// then found there by consumer projects, whose NuGet sources are local feeds only.
    /// </summary>
    /// <param name="properties">MSBuild properties, e.g. <c>&lt;TargetFrameworks&gt;net10.0;net8.0&lt;/TargetFrameworks&gt;</c>.</param>
    /// <param name="items">MSBuild items, e.g. a <c>PackageReference</c> whose package the consumers need.</param>
    public void WarmPackages(string properties, string items = "")
    {
        lock (_warmed)
        {
            if (!_warmed.Add(properties + items))
            {
                return;
            }

            var folder = Directory.CreateDirectory(
                Path.Combine(Root, "warm" + _warmed.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))).FullName;
            File.WriteAllText(
                Path.Combine(folder, "Warm.csproj"),
                $"<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><OutputType>Exe</OutputType>{properties}</PropertyGroup>" +
                $"<ItemGroup>{items}</ItemGroup></Project>");
            var restore = ProcessRunner.Run(
                "dotnet",
                ["restore", folder, "-nodeReuse:false"],
                folder,
                ConsumerProject.IsolatedEnvironment(PackagesDirectory, cacheDirectory: null));
            if (!restore.Succeeded)
            {
                throw new InvalidOperationException("Restoring the packs for " + properties + " failed:\n" + restore.Output);
            }
        }
    }

    /// <summary>A temporary folder owned by this fixture; deleted at the end.</summary>
    public string Root { get; }

    public string FeedDirectory { get; }

    /// <summary>The NuGet global packages folder the consumer builds use.</summary>
    public string PackagesDirectory { get; }

    public string Version { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file for a moment; the temp folder is cleaned by the OS.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SdkPackageGroup : ICollectionFixture<SdkPackageFixture>
{
    public const string Name = "ModelBuild.Sdk package";
}
