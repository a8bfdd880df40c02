using System.ComponentModel;
using System.Diagnostics;
using System.Security;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Reads <c>nuget:</c> sources from NuGet's global packages folder, where <c>restore</c> put them
/// (the SDK's <c>PackageDownload</c> items). When the engine runs on its own and the package is
/// not there yet, it asks NuGet for it the same way: a throw-away project with one
/// <c>PackageDownload</c>, restored by <c>dotnet restore</c> with the NuGet.Config files that apply
/// to the manifest's folder — so feeds and credentials are always NuGet's, never ModelBuild's.
/// </summary>
internal sealed class NuGetResolver(ModelBuildCache cache, SourceFetcherOptions options) : SourceResolver<NuGetSource>
{
    private static readonly TimeSpan RestoreTimeout = TimeSpan.FromMinutes(10);

    protected override async Task<FetchedContent> FetchAsync(NuGetSource source, FetchRequest request, CancellationToken cancellationToken)
    {
        var packagesFolder = PackagesFolder();
        var packageFolder = Path.Combine(packagesFolder, source.PackageId.ToLowerInvariant(), source.NormalizedVersion);
        if (!IsComplete(packageFolder, source))
        {
            if (request.Offline)
            {
                throw request.OfflineMiss(source);
            }

            await RestoreAsync(source, packagesFolder, request.At, cancellationToken).ConfigureAwait(false);
            if (!IsComplete(packageFolder, source))
            {
                throw new DiagnosticException(
                    SourceDiagnostics.NuGetPackageMissing.Create(request.At, source.PackageId, source.Version, packagesFolder));
            }
        }

        var file = Path.Combine(packageFolder, source.PathInPackage.Replace('/', Path.DirectorySeparatorChar));
        if (!File.Exists(file))
        {
            var files = Directory.EnumerateFiles(packageFolder, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(packageFolder, f).Replace('\\', '/'))
                .Where(f => !f.EndsWith(".nupkg", StringComparison.OrdinalIgnoreCase)
                    && !f.EndsWith(".nupkg.metadata", StringComparison.OrdinalIgnoreCase)
                    && !f.EndsWith(".sha512", StringComparison.OrdinalIgnoreCase));
            var similar = SimilarPaths.Rank(source.PathInPackage, files);
            throw new DiagnosticException(SourceDiagnostics.NuGetPathNotInPackage.Create(
                request.At, source.PathInPackage, $"{source.PackageId} {source.Version}", similar.Count == 0
                    ? "(the package has no files)"
                    : string.Join(", ", similar)));
        }

        var stream = new FileStream(
            file,
            FileMode.Open,
            FileAccess.Read,
            FileShare.Read,
            1 << 16,
            FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            return await PinnedPut.StoreAsync(cache.Content, stream, source, request, localPath: null, cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>The global packages folder: the build's <c>$(NuGetPackageRoot)</c>, else <c>NUGET_PACKAGES</c>, else NuGet's
    /// default.</summary>
    internal string PackagesFolder()
    {
        if (!string.IsNullOrWhiteSpace(options.NuGetPackagesFolder))
        {
            return Path.GetFullPath(options.NuGetPackagesFolder);
        }

        if (options.Environment("NUGET_PACKAGES") is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    }

    /// <summary>NuGet writes <c>.nupkg.metadata</c> last: without it the folder is an extraction in progress.</summary>
    private static bool IsComplete(string packageFolder, NuGetSource source) =>
        File.Exists(Path.Combine(packageFolder, ".nupkg.metadata"))
        || File.Exists(Path.Combine(packageFolder, $"{source.PackageId.ToLowerInvariant()}.{source.NormalizedVersion}.nupkg.sha512"));

    private async Task RestoreAsync(NuGetSource source, string packagesFolder, SourceLocation? at, CancellationToken cancellationToken)
    {
        var project = cache.Layout.NewTempPath(".nuget");
        Directory.CreateDirectory(project);
        try
        {
            // The project imports nothing from the folders around the cache (no Directory.*.props, no central versions);
            // its framework is the one this engine runs on, whose targeting pack every SDK that runs it has.
            var file = Path.Combine(project, "download.csproj");
            await File.WriteAllTextAsync(file, $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net{Environment.Version.Major}.0</TargetFramework>
                    <ImportDirectoryBuildProps>false</ImportDirectoryBuildProps>
                    <ImportDirectoryBuildTargets>false</ImportDirectoryBuildTargets>
                    <ImportDirectoryPackagesProps>false</ImportDirectoryPackagesProps>
                    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                    <RestorePackagesPath>{SecurityElement.Escape(packagesFolder)}</RestorePackagesPath>
                    <RestoreRootConfigDirectory>{SecurityElement.Escape(source.WorkingDirectory)}</RestoreRootConfigDirectory>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageDownload Include="{SecurityElement.Escape(source.PackageId)}"
                                     Version="[{SecurityElement.Escape(source.Version)}]" />
                  </ItemGroup>
                </Project>
                """, cancellationToken).ConfigureAwait(false);
            var (exitCode, output) = await RunDotnetAsync(["restore", file, "--nologo", "-v:q"], project, at, cancellationToken)
                .ConfigureAwait(false);
            if (exitCode != 0)
            {
                var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))
                    .Select(l => l.Replace(file, "", StringComparison.Ordinal))
                    .Distinct()
                    .Take(4);
                throw new DiagnosticException(SourceDiagnostics.NuGetRestoreFailed
                    .Create(at, source.PackageId, source.Version, exitCode, UrlRedactor.Redact(string.Join(" | ", lines))));
            }
        }
        finally
        {
            try
            {
                Directory.Delete(project, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The cache's stale-temp sweep removes it.
            }
        }
    }

    private async Task<(int ExitCode, string Output)> RunDotnetAsync(
        IEnumerable<string> arguments,
        string workingDirectory,
        SourceLocation? at,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(DotnetExecutable()) { WorkingDirectory = workingDirectory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        CapturedOutput run;
        try
        {
            run = await CapturedProcess.RunAsync(start, RestoreTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception e)
        {
            throw new DiagnosticException(SourceDiagnostics.NuGetRestoreFailed.Create(at, "dotnet", "restore", -1, e.Message), e);
        }

        return run.TimedOut
            ? (-1, $"error: dotnet restore did not finish within {RestoreTimeout.TotalMinutes:0} minutes and was stopped")
            : (run.ExitCode, run.StandardOutput + run.StandardError);
    }

    /// <summary>The dotnet host: DOTNET_HOST_PATH (set by MSBuild), the host running this engine, else dotnet on the PATH.</summary>
    private string DotnetExecutable()
    {
        if (options.Environment("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
