using System.Globalization;
using ModelBuild.Tests;

namespace ModelBuild.Sdk.Tests.Infrastructure;

/// <summary>
/// A real consumer project in a temporary folder: global.json naming ModelBuild.Sdk's version, a
/// NuGet.config with only the local feed, and whatever files the test writes. Builds run the real
/// <c>dotnet build</c> with a binary log the test can inspect.
/// </summary>
public sealed class ConsumerProject : IDisposable
{
    private readonly SdkPackageFixture _sdk;
    private int _buildNumber;

    public ConsumerProject(SdkPackageFixture sdk, string name = "Consumer", string? cacheDirectory = null)
    {
        _sdk = sdk;
        Name = name;
        Directory = System.IO.Directory.CreateTempSubdirectory("modelbuild-consumer-").FullName;
        CacheDirectory = cacheDirectory ?? Path.Combine(Directory, ".cache");
        WriteFile("global.json", $$"""
            {
              "sdk": { "version": "10.0.100", "rollForward": "latestFeature" },
              "msbuild-sdks": { "ModelBuild.Sdk": "{{sdk.Version}}" }
            }
            """);
        WriteNuGetConfig(sdk.FeedDirectory);
    }

    public string Name { get; }

    public string Directory { get; }

    public string CacheDirectory { get; }

    public string ProjectFile => Path.Combine(Directory, Name + ".csproj");

    /// <summary>Environment variables added to every build of this project (e.g. MODELBUILD_REMOTE_CACHE).</summary>
    public Dictionary<string, string?> Environment { get; } = [];

    /// <summary>The environment every child build runs in: isolated packages and cache, no build servers left behind.</summary>
    /// <param name="packagesDirectory">A private NuGet packages folder, or null for the user's own.</param>
    /// <param name="cacheDirectory">The ModelBuild cache, or null for the default.</param>
    public static Dictionary<string, string?> IsolatedEnvironment(string? packagesDirectory, string? cacheDirectory) => new()
    {
        ["NUGET_PACKAGES"] = packagesDirectory ?? System.Environment.GetEnvironmentVariable("NUGET_PACKAGES"),
        ["MODELBUILD_CACHE"] = cacheDirectory,
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        // The test host's own MSBuild settings must not leak into the consumer's build.
        ["MSBUILD_EXE_PATH"] = null,
        ["MSBuildExtensionsPath"] = null,
        ["MSBuildSDKsPath"] = null,
        ["MSBuildLoadMicrosoftTargetsReadOnly"] = null,
    };

    public string PathOf(string relativePath) => Path.Combine(Directory, relativePath);

    public void WriteFile(string relativePath, string content)
    {
        var path = PathOf(relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content.ReplaceLineEndings("\n"));
    }

    public void WriteBytes(string relativePath, byte[] content)
    {
        var path = PathOf(relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    /// <summary>Writes the project file: a console app using ModelBuild.Sdk as an additional SDK.</summary>
    public void WriteProject(string items, string properties = "") => WriteFile(Name + ".csproj", $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <Sdk Name="ModelBuild.Sdk" />
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            {properties}
          </PropertyGroup>
          <ItemGroup>
            {items}
          </ItemGroup>
        </Project>
        """);

    /// <summary>Adds a second local feed (a library's packages) to the folder's NuGet sources.</summary>
    public void AddFeed(string feedDirectory) => WriteNuGetConfig(_sdk.FeedDirectory, feedDirectory);

    /// <summary>Writes a project file of the test's own, relative to the folder.</summary>
    public void WriteProjectFile(string relativePath, string content) => WriteFile(relativePath, content);

    /// <summary>Runs <c>dotnet build</c> (or another target) with a fresh binary log.</summary>
    public BuildRun Build(params string[] arguments) => Dotnet("build", arguments);

    /// <summary>Runs one target alone: <c>dotnet msbuild -t:<paramref name="target"/></c>.</summary>
    public BuildRun Msbuild(string target, params string[] arguments) => Dotnet("msbuild", [$"-t:{target}", .. arguments]);

    /// <summary>Runs a command of the dotnet CLI (build, msbuild, clean, pack, publish) on the project.</summary>
    public BuildRun Dotnet(string command, params string[] arguments) => DotnetOn(ProjectFile, command, arguments);

    /// <summary>Runs a command of the dotnet CLI on another project or solution in the folder.</summary>
    public BuildRun DotnetOn(string projectOrSolution, string command, params string[] arguments)
    {
        var binlog = PathOf($"build{Interlocked.Increment(ref _buildNumber).ToString(CultureInfo.InvariantCulture)}.binlog");
        var result = ProcessRunner.Run(
            "dotnet",
            [command, PathOf(projectOrSolution), "-nodeReuse:false", $"-bl:{binlog}", .. arguments],
            Directory,
            IsolatedEnvironment(_sdk.PackagesDirectory, CacheDirectory).Concat(Environment).ToDictionary());
        return new BuildRun(result, binlog);
    }

    /// <summary>Runs the built app and returns what it printed.</summary>
    public ProcessResult Run(params string[] arguments) => ProcessRunner.Run(
        "dotnet",
        ["run", "--no-build", "--project", ProjectFile, "--", .. arguments],
        Directory,
        IsolatedEnvironment(_sdk.PackagesDirectory, CacheDirectory));

    /// <summary>Runs a built or published program of the folder: an executable, or a .dll through <c>dotnet</c>.</summary>
    public ProcessResult Execute(string relativePath, params string[] arguments) => relativePath.EndsWith(".dll", StringComparison.Ordinal)
        ? ProcessRunner.Run(
            "dotnet",
            [PathOf(relativePath), .. arguments],
            Directory,
            IsolatedEnvironment(_sdk.PackagesDirectory, CacheDirectory))
        : ProcessRunner.Run(PathOf(relativePath), arguments, Directory, IsolatedEnvironment(_sdk.PackagesDirectory, CacheDirectory));

    /// <summary>Only local feeds: framework and runtime packs a test needs are put in the packages folder beforehand (<see
    /// cref="SdkPackageFixture.WarmPackages"/>).</summary>
    private void WriteNuGetConfig(params string[] feeds) => WriteFile("NuGet.config", $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
        {string.Concat(feeds.Select((feed, i) => $"    <add key=\"local{i}\" value=\"{feed}\" />\n"))}  </packageSources>
        </configuration>
        """);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleanup.
        }
    }
}
