using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// An <c>https://</c> URL, or an <c>http://</c> URL to this machine (a local mirror or a test
/// server): plain http elsewhere would let anyone on the path swap the model.
/// </summary>
public sealed record HttpSource : SourceReference
{
    internal HttpSource(Uri uri) => Uri = uri;

    /// <summary>The URL as written; it may hold credentials, so print <see cref="SourceReference.DisplayText"/> instead.</summary>
    public Uri Uri { get; }

    public override string DisplayText => UrlRedactor.Redact(Uri);

    internal override bool IsLocal => false;

    internal static SourceReference ParseScheme(string text, string baseDirectory, SourceLocation? at)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new DiagnosticException(SourceDiagnostics.InvalidUri.Create(at, UrlRedactor.Redact(text), "expected scheme://host/path"));
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            throw new DiagnosticException(SourceDiagnostics.PlainHttpNotAllowed.Create(at, uri.Host, UrlRedactor.Redact(uri)));
        }

        return new HttpSource(uri);
    }
}
