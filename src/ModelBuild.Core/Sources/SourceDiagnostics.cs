using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>The diagnostics of model sources, codes MB20xx.</summary>
public static class SourceDiagnostics
{
    /// <summary>The source text is empty.</summary>
    public static readonly DiagnosticDescriptor EmptySource = new(
        "MB2001", DiagnosticSeverity.Error,
        "The model source is empty; give a path relative to the manifest, a file: URI, an https:// URL, npm:<package>@<version>/<path>, " +
            "nuget:<id>/<version>/<path>, hf:<repo>@<revision>/<path>, s3://<bucket>/<key> or gdrive:<file id>.");

    /// <summary>The source names a scheme ModelBuild does not fetch from.</summary>
    public static readonly DiagnosticDescriptor UnsupportedScheme = new(
        "MB2002", DiagnosticSeverity.Error,
        "Unsupported model source scheme '{0}:'{1}. Use a path relative to the manifest, file:, https:, http: (this machine only), npm:, " +
            "nuget:, hf:, s3: or gdrive:.");

    /// <summary>Plain http to another machine.</summary>
    public static readonly DiagnosticDescriptor PlainHttpNotAllowed = new(
        "MB2003", DiagnosticSeverity.Error,
        "Plain http is only allowed to this machine (localhost, 127.0.0.1, ::1), not to '{0}'; use https:// for {1}.");

    /// <summary>Plain http to another machine, allowed by the source's allow_insecure.</summary>
    public static readonly DiagnosticDescriptor PlainHttpAllowed = new(
        "MB2008", DiagnosticSeverity.Warning,
        "{0} is fetched over plain http from '{1}' because of allow_insecure: anyone on the network path could swap it; its pinned " +
            "digest is what protects the build.");

    /// <summary>A URL or URI that does not parse.</summary>
    public static readonly DiagnosticDescriptor InvalidUri = new(
        "MB2004", DiagnosticSeverity.Error,
        "'{0}' is not a valid URI: {1}.");

    /// <summary>An npm: source that does not have the expected form.</summary>
    public static readonly DiagnosticDescriptor InvalidNpmSource = new(
        "MB2005", DiagnosticSeverity.Error,
        "Invalid npm source '{0}': {1}. Expected npm:<package>@<version>/<path inside the package>, e.g. " +
            "npm:@scope/name@1.2.3/models/model.onnx.");

    /// <summary>A local model file does not exist.</summary>
    public static readonly DiagnosticDescriptor LocalFileNotFound = new(
        "MB2010", DiagnosticSeverity.Error,
        "Model file not found: {0}{1}");

    /// <summary>A local model file exists but cannot be read.</summary>
    public static readonly DiagnosticDescriptor LocalFileUnreadable = new(
        "MB2011", DiagnosticSeverity.Error,
        "Cannot read the model file {0}: {1}");

    /// <summary>Fetched content differs from its pinned digest or size.</summary>
    public static readonly DiagnosticDescriptor ContentMismatch = new(
        "MB2012", DiagnosticSeverity.Error,
        "The content of {0} does not match its pin: expected {1}, got {2}. Nothing was stored in the cache.");

    /// <summary>An HTTP server answered with an error status.</summary>
    public static readonly DiagnosticDescriptor HttpStatus = new(
        "MB2013", DiagnosticSeverity.Error,
        "Downloading {0} failed: HTTP {1} {2}.");

    /// <summary>A download failed below HTTP (name resolution, connection, timeout).</summary>
    public static readonly DiagnosticDescriptor DownloadFailed = new(
        "MB2014", DiagnosticSeverity.Error,
        "Downloading {0} failed: {1}");

    /// <summary>A remote source without a pinned digest.</summary>
    public static readonly DiagnosticDescriptor NotPinned = new(
        "MB2015", DiagnosticSeverity.Warning,
        "{0} is not pinned by a sha256; it was fetched as sha256 {1} ({2} bytes). Pin that digest in the manifest so builds are " +
            "reproducible and work offline.");

    /// <summary>The npm client could not be started.</summary>
    public static readonly DiagnosticDescriptor NpmNotStarted = new(
        "MB2020", DiagnosticSeverity.Error,
        "Could not run npm ('{0}'): {1}. Install Node.js and npm, or set MODELBUILD_NPM to the npm executable.");

    /// <summary><c>npm pack</c> failed.</summary>
    public static readonly DiagnosticDescriptor NpmPackFailed = new(
        "MB2021", DiagnosticSeverity.Error,
        "'npm pack {0}' failed with exit code {1}: {2}");

    /// <summary><c>npm pack</c> succeeded but its output is not what <c>--json</c> promises.</summary>
    public static readonly DiagnosticDescriptor NpmUnexpectedOutput = new(
        "MB2022", DiagnosticSeverity.Error,
        "'npm pack {0}' gave output ModelBuild cannot use: {1}");

    /// <summary>The tarball differs from the integrity the registry published.</summary>
    public static readonly DiagnosticDescriptor NpmIntegrityMismatch = new(
        "MB2023", DiagnosticSeverity.Error,
        "The tarball of {0} does not match the integrity npm reported: expected {1}, got {2}. Nothing was stored in the cache.");

    /// <summary>The requested path is not in the package.</summary>
    public static readonly DiagnosticDescriptor NpmPathNotInPackage = new(
        "MB2024", DiagnosticSeverity.Error,
        "'{0}' is not a file in {1}. Similar paths in the package: {2}.");

    /// <summary>The requested path is a link or another non-file entry.</summary>
    public static readonly DiagnosticDescriptor NpmPathNotRegularFile = new(
        "MB2025", DiagnosticSeverity.Error,
        "'{0}' in {1} is a {2} entry, not a regular file; name the file itself.");

    /// <summary>The tarball is not a readable gzip-compressed tar.</summary>
    public static readonly DiagnosticDescriptor NpmTarballUnreadable = new(
        "MB2026", DiagnosticSeverity.Error,
        "The tarball of {0} cannot be read: {1}");

    /// <summary>A redirect the engine does not follow.</summary>
    public static readonly DiagnosticDescriptor RedirectRefused = new(
        "MB2016", DiagnosticSeverity.Error,
        "Downloading {0} was stopped at a redirect to {1}: {2}.");

    /// <summary>A redirect chain longer than the limit.</summary>
    public static readonly DiagnosticDescriptor TooManyRedirects = new(
        "MB2017", DiagnosticSeverity.Error,
        "Downloading {0} failed: more than {1} redirects.");

    /// <summary>The server sends more bytes than the pinned size.</summary>
    public static readonly DiagnosticDescriptor ContentLongerThanPinned = new(
        "MB2018", DiagnosticSeverity.Error,
        "{0} is longer than its pinned size of {1} bytes (the server sends {2}); the download was stopped and nothing was stored.");

    /// <summary>A Retry-After longer than the engine waits.</summary>
    public static readonly DiagnosticDescriptor RetryAfterTooLong = new(
        "MB2019", DiagnosticSeverity.Error,
        "Downloading {0} failed: HTTP {1} asks to retry after {2}, longer than the {3} ModelBuild waits.");

    /// <summary>Offline mode and the content is not cached.</summary>
    public static readonly DiagnosticDescriptor OfflineMiss = new(
        "MB2030", DiagnosticSeverity.Error,
        "{0} is not in the cache, and offline mode (ModelBuildOffline, --offline) allows no download; it is needed by {1}{2}.");

    /// <summary>Locked mode and the lock file would change.</summary>
    public static readonly DiagnosticDescriptor LockFileWouldChange = new(
        "MB2031", DiagnosticSeverity.Error,
        "{0} has no pin in the manifest or in {1}, and locked mode (ModelBuildLockedMode, --locked) does not allow adding one.");

    /// <summary>The lock file is not valid.</summary>
    public static readonly DiagnosticDescriptor LockFileInvalid = new(
        "MB2032", DiagnosticSeverity.Error,
        "The lock file {0} cannot be read: {1}");

    /// <summary>Fetched content differs from its pin in the lock file.</summary>
    public static readonly DiagnosticDescriptor LockedContentMismatch = new(
        "MB2033", DiagnosticSeverity.Error,
        "The content of {0} does not match its pin in {1}: expected {2}, got {3}. Nothing was stored in the cache.");

    /// <summary>An hf: source that does not have the expected form.</summary>
    public static readonly DiagnosticDescriptor InvalidHuggingFaceSource = new(
        "MB2040", DiagnosticSeverity.Error,
        "Invalid hf source '{0}': {1}. Expected hf:<owner/name>@<revision>/<path in the repository>, e.g. " +
            "hf:org/model@3f2a9c1/onnx/model.onnx.");

    /// <summary>HF_ENDPOINT is not usable.</summary>
    public static readonly DiagnosticDescriptor InvalidHuggingFaceEndpoint = new(
        "MB2041", DiagnosticSeverity.Error,
        "HF_ENDPOINT '{0}' is not an https URL (plain http is only allowed to this machine).");

    /// <summary>The hub refused access.</summary>
    public static readonly DiagnosticDescriptor HuggingFaceAccessDenied = new(
        "MB2042", DiagnosticSeverity.Error,
        "The Hugging Face hub refused {0}: {1}. Gated and private repositories need HF_TOKEN set to a token with access.");

    /// <summary>A gdrive: source that does not have the expected form.</summary>
    public static readonly DiagnosticDescriptor InvalidGoogleDriveSource = new(
        "MB2043", DiagnosticSeverity.Error,
        "Invalid gdrive source '{0}': expected gdrive:<file id>, the id of a sharing link drive.google.com/file/d/<file id>/view " +
            "(letters, digits, '-' and '_').");

    /// <summary>The Google Drive endpoint override is not usable.</summary>
    public static readonly DiagnosticDescriptor InvalidGoogleDriveEndpoint = new(
        "MB2044", DiagnosticSeverity.Error,
        "{0} '{1}' is not an https URL (plain http is only allowed to this machine).");

    /// <summary>The server answered with a page that is not the file and offered no way to it.</summary>
    public static readonly DiagnosticDescriptor InterstitialPage = new(
        "MB2047", DiagnosticSeverity.Error,
        "Cannot download {0}: {1}. Nothing was stored in the cache.");

    /// <summary>An s3: source that does not have the expected form.</summary>
    public static readonly DiagnosticDescriptor InvalidS3Source = new(
        "MB2045", DiagnosticSeverity.Error,
        "Invalid s3 source '{0}': {1}.");

    /// <summary>S3 configuration (credentials, region, endpoint) is not usable.</summary>
    public static readonly DiagnosticDescriptor S3Unavailable = new(
        "MB2046", DiagnosticSeverity.Error,
        "Cannot fetch {0}: {1}");

    /// <summary>A nuget: source that does not have the expected form.</summary>
    public static readonly DiagnosticDescriptor InvalidNuGetSource = new(
        "MB2050", DiagnosticSeverity.Error,
        "Invalid nuget source '{0}': {1}. Expected nuget:<id>/<version>/<path inside the package>, e.g. " +
            "nuget:Contoso.Models/1.2.0/models/model.onnx.");

    /// <summary>The package is not in the global packages folder after restore.</summary>
    public static readonly DiagnosticDescriptor NuGetPackageMissing = new(
        "MB2051", DiagnosticSeverity.Error,
        "The NuGet package {0} {1} is not in the global packages folder {2}. Run 'dotnet restore' (the ModelBuild SDK adds a " +
            "PackageDownload for every nuget: source).");

    /// <summary>The requested path is not in the package.</summary>
    public static readonly DiagnosticDescriptor NuGetPathNotInPackage = new(
        "MB2052", DiagnosticSeverity.Error,
        "'{0}' is not a file in the NuGet package {1}. Similar paths in the package: {2}.");

    /// <summary>dotnet restore of a nuget: source failed.</summary>
    public static readonly DiagnosticDescriptor NuGetRestoreFailed = new(
        "MB2053", DiagnosticSeverity.Error,
        "NuGet could not restore {0} {1} (exit code {2}): {3}");

    /// <summary>An archive entry that could write outside the extraction folder.</summary>
    public static readonly DiagnosticDescriptor UnsafeArchiveEntry = new(
        "MB2060", DiagnosticSeverity.Error,
        "The entry '{0}' of {1} is {2}; the archive was refused and nothing was extracted.");

    /// <summary>An archive that expands beyond the limits.</summary>
    public static readonly DiagnosticDescriptor ArchiveTooLarge = new(
        "MB2061", DiagnosticSeverity.Error,
        "{0} expands to {1}, beyond what ModelBuild unpacks (a decompression bomb?); nothing was extracted.");

    /// <summary>An archive that cannot be read.</summary>
    public static readonly DiagnosticDescriptor ArchiveUnreadable = new(
        "MB2062", DiagnosticSeverity.Error,
        "{0} cannot be read as {1}: {2}");

    /// <summary>An Open Model Zoo cache entry does not match the file it is keyed for.</summary>
    public static readonly DiagnosticDescriptor OpenModelZooCacheEntryCorrupt = new(
        "MB2150", DiagnosticSeverity.Warning,
        "The Open Model Zoo cache entry {0} was not used: {1} The file is fetched from its source and the entry replaced.");

    /// <summary>A verified file could not be written to the Open Model Zoo cache.</summary>
    public static readonly DiagnosticDescriptor OpenModelZooCacheNotWritable = new(
        "MB2151", DiagnosticSeverity.Warning,
        "{0} could not be written to the Open Model Zoo cache {1}: {2}. The download itself succeeded.");
}
