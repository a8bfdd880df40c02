using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>A file on this machine, by its absolute path.</summary>
public sealed record LocalFileSource : SourceReference
{
    internal LocalFileSource(string fullPath) => FullPath = fullPath;

    /// <summary>The resolved absolute path.</summary>
    public string FullPath { get; }

    public override string DisplayText => FullPath;

    internal override bool IsLocal => true;

    /// <summary>A plain path, relative to <paramref name="baseDirectory"/> unless absolute.</summary>
    internal static LocalFileSource ParsePath(string text, string baseDirectory, SourceLocation? at)
    {
        // Manifests travel between machines; on Unix a backslash in a model path is a Windows separator.
        var path = OperatingSystem.IsWindows() ? text : text.Replace('\\', '/');
        try
        {
            return new LocalFileSource(Path.GetFullPath(path, Path.GetFullPath(baseDirectory)));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new DiagnosticException(SourceDiagnostics.LocalFileUnreadable.Create(at, text, e.Message), e);
        }
    }

    /// <summary><c>file:///abs/path</c>, <c>file://localhost/abs/path</c>, or <c>file:relative/path</c>.</summary>
    internal static SourceReference ParseFileUri(string text, string baseDirectory, SourceLocation? at, bool allowInsecure)
    {
        if (text.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !uri.IsFile)
            {
                throw new DiagnosticException(
                    SourceDiagnostics.InvalidUri.Create(at, UrlRedactor.Redact(text), "expected file:///<absolute path>"));
            }

            return new LocalFileSource(Path.GetFullPath(uri.LocalPath));
        }

        // "file:models/a.onnx" has no authority: a path relative to the manifest, percent-encoded.
        return ParsePath(Uri.UnescapeDataString(text["file:".Length..]), baseDirectory, at);
    }
}
