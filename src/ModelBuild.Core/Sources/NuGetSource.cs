using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// A file inside a NuGet package: <c>nuget:&lt;id&gt;/&lt;version&gt;/&lt;path&gt;</c>. NuGet itself
/// fetches the package — in a build, the SDK adds a <c>PackageDownload</c> so <c>restore</c> gets
/// it with the user's feeds and credentials; the engine reads the file from the global packages
/// folder. The version is exact: ranges would make the build depend on the day it runs.
/// </summary>
public sealed partial record NuGetSource : SourceReference
{
    internal NuGetSource(string packageId, string version, string pathInPackage, string workingDirectory)
    {
        PackageId = packageId;
        Version = version;
        PathInPackage = pathInPackage;
        WorkingDirectory = workingDirectory;
    }

    public string PackageId { get; }

    public string Version { get; }

    /// <summary>The file's path relative to the package root, with '/' separators.</summary>
    public string PathInPackage { get; }

    /// <summary>The manifest's folder: a restore run for this source finds NuGet.Config files from there up.</summary>
    public string WorkingDirectory { get; }

    public override string DisplayText => $"nuget:{PackageId}/{Version}/{PathInPackage}";

    internal override bool IsLocal => false;

    internal override string? Host => "nuget";

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}$")]
    private static partial Regex PackageIdPattern();

    [GeneratedRegex(@"^\d+(\.\d+){1,3}(-[0-9A-Za-z.\-]+)?(\+[0-9A-Za-z.\-]+)?$")]
    private static partial Regex ExactVersionPattern();

    internal static SourceReference ParseScheme(string text, string baseDirectory, SourceLocation? at, bool allowInsecure)
    {
        var parts = text["nuget:".Length..].Split('/', 3);
        if (parts.Length < 3 || parts[2].Length == 0)
        {
            throw Invalid(text, at, "expected an id, a version and a path inside the package");
        }

        if (!PackageIdPattern().IsMatch(parts[0]))
        {
            throw Invalid(text, at, $"'{parts[0]}' is not a NuGet package id");
        }

        if (!ExactVersionPattern().IsMatch(parts[1]))
        {
            throw Invalid(
                text,
                at,
                $"'{parts[1]}' is not an exact version such as 1.2.3 (ranges and floating versions are not reproducible)");
        }

        var path = NpmSource.NormalizePathInPackage(parts[2])
            ?? throw Invalid(text, at, $"'{parts[2]}' is not a relative path inside the package ('/' separators, no '.' or '..' parts)");
        return new NuGetSource(parts[0], parts[1], path, Path.GetFullPath(baseDirectory));
    }

    /// <summary>The version as NuGet names its folder: lower case, no build metadata, at least three parts.</summary>
    internal string NormalizedVersion
    {
        get
        {
            var text = Version.Split('+')[0].ToLowerInvariant();
            var dash = text.IndexOf('-', StringComparison.Ordinal);
            var (numbers, label) = dash >= 0 ? (text[..dash], text[dash..]) : (text, "");
            var parts = numbers.Split('.').Select(p => p.TrimStart('0') is { Length: > 0 } t ? t : "0").ToList();
            while (parts.Count < 3)
            {
                parts.Add("0");
            }

            if (parts.Count == 4 && parts[3] == "0")
            {
                parts.RemoveAt(3);
            }

            return string.Join('.', parts) + label;
        }
    }

    private static DiagnosticException Invalid(string text, SourceLocation? at, string reason) =>
        new(SourceDiagnostics.InvalidNuGetSource.Create(at, text, reason));
}
