using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// A file shared on Google Drive: <c>gdrive:&lt;file id&gt;</c>, what Open Model Zoo's
/// <c>{$type: google_drive, id}</c> means. Fetched from Drive's download URL
/// (<c>{endpoint}/uc?export=download&amp;id={id}</c>); the page Drive shows instead of a large file
/// ("can't scan this file for viruses") is confirmed the way a browser would, and a page with no
/// confirmation (quota exceeded, not shared) is an error quoting its title.
/// </summary>
public sealed partial record GoogleDriveSource : SourceReference
{
    internal GoogleDriveSource(string id) => Id = id;

    /// <summary>The file id, as in a sharing link <c>drive.google.com/file/d/&lt;id&gt;/view</c>.</summary>
    public string Id { get; }

    public override string DisplayText => "gdrive:" + Id;

    internal override bool IsLocal => false;

    internal override string? Host => "drive.google.com";

    [GeneratedRegex(@"^[A-Za-z0-9_\-]+$")]
    private static partial Regex IdPattern();

    /// <summary>The download URL under <paramref name="endpoint"/> (<c>https://docs.google.com</c> unless moved).</summary>
    public Uri DownloadUri(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new Uri($"{endpoint.AbsoluteUri.TrimEnd('/')}/uc?export=download&id={Uri.EscapeDataString(Id)}");
    }

    internal static SourceReference ParseScheme(string text, string baseDirectory, SourceLocation? at, bool allowInsecure)
    {
        var id = text["gdrive:".Length..];
        return IdPattern().IsMatch(id)
            ? new GoogleDriveSource(id)
            : throw new DiagnosticException(SourceDiagnostics.InvalidGoogleDriveSource.Create(at, text));
    }
}
