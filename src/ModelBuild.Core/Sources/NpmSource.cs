using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// A file inside a package on the npm registry: <c>npm:&lt;package&gt;@&lt;version&gt;/&lt;path&gt;</c>,
/// scoped packages included (<c>npm:@scope/name@1.2.3/models/a.onnx</c>). The path is relative to
/// the package root (the tarball's <c>package/</c> folder). The <c>npm</c> client fetches the
/// package, so the user's npm configuration (registry, proxy, credentials) applies.
/// </summary>
public sealed partial record NpmSource : SourceReference
{
    internal NpmSource(string packageName, string version, string pathInPackage, string workingDirectory)
    {
        PackageName = packageName;
        Version = version;
        PathInPackage = pathInPackage;
        WorkingDirectory = workingDirectory;
    }

    /// <summary>The package name, with its scope if it has one (<c>@scope/name</c>).</summary>
    public string PackageName { get; }

    /// <summary>An exact version: ranges and tags would make the build depend on the day it runs.</summary>
    public string Version { get; }

    /// <summary>The file's path relative to the package root, with '/' separators.</summary>
    public string PathInPackage { get; }

    /// <summary>
    /// The folder <c>npm</c> runs in (the manifest's), so a project's <c>.npmrc</c> applies as it
    /// would to the user's own npm commands there.
    /// </summary>
    public string WorkingDirectory { get; }

    /// <summary><c>name@version</c>, as <c>npm pack</c> takes it.</summary>
    public string PackageSpec => $"{PackageName}@{Version}";

    public override string DisplayText => $"npm:{PackageSpec}/{PathInPackage}";

    internal override bool IsLocal => false;

    internal override string? Host => "npm";

    // npm's name rules; the character set also keeps the name safe on any command line.
    [GeneratedRegex(@"^(@[A-Za-z0-9~\-][A-Za-z0-9._~\-]*/)?[A-Za-z0-9~\-][A-Za-z0-9._~\-]*$")]
    private static partial Regex PackageNamePattern();

    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.\-]+)?(\+[0-9A-Za-z.\-]+)?$")]
    private static partial Regex ExactVersionPattern();

    internal static SourceReference ParseScheme(string text, string baseDirectory, SourceLocation? at, bool allowInsecure)
    {
        var rest = text["npm:".Length..];

        // The version follows the first '@' after the name (a scope's leading '@' belongs to the name).
        var nameStart = rest.StartsWith('@') ? rest.IndexOf('/', StringComparison.Ordinal) + 1 : 0;
        if (rest.StartsWith('@') && nameStart == 0)
        {
            throw Invalid(text, at, "a scoped package is written @scope/name");
        }

        var versionAt = rest.IndexOf('@', nameStart);
        if (versionAt < 0)
        {
            throw Invalid(text, at, "the package version is missing");
        }

        var name = rest[..versionAt];
        var afterName = rest[(versionAt + 1)..];
        var pathStart = afterName.IndexOf('/', StringComparison.Ordinal);
        if (pathStart < 0)
        {
            throw Invalid(text, at, "the path of the file inside the package is missing");
        }

        var version = afterName[..pathStart];
        var path = afterName[(pathStart + 1)..];
        if (name.Length is 0 or > 214 || !PackageNamePattern().IsMatch(name))
        {
            throw Invalid(text, at, $"'{name}' is not an npm package name");
        }

        if (!ExactVersionPattern().IsMatch(version))
        {
            throw Invalid(text, at, $"'{version}' is not an exact version such as 1.4.2 (ranges and tags are not reproducible)");
        }

        var normalized = NormalizePathInPackage(path)
            ?? throw Invalid(text, at, $"'{path}' is not a relative path inside the package ('/' separators, no '.' or '..' parts)");
        return new NpmSource(name, version, normalized, Path.GetFullPath(baseDirectory));
    }

    /// <summary>
    /// <paramref name="path"/> with '/' separators and no empty parts, or null if it could leave the
    /// package (a '..' part, an absolute path) or is empty.
    /// </summary>
    internal static string? NormalizePathInPackage(string path)
    {
        if (path.Contains('\\', StringComparison.Ordinal) || path.StartsWith('/'))
        {
            return null;
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 0 || parts.Any(p => p is "." or "..") ? null : string.Join('/', parts);
    }

    private static DiagnosticException Invalid(string text, SourceLocation? at, string reason) =>
        new(SourceDiagnostics.InvalidNpmSource.Create(at, text, reason));
}
