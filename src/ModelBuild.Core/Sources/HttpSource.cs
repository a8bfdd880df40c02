using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// An <c>https://</c> URL, or an <c>http://</c> URL to this machine (a local mirror or a test
/// server): plain http elsewhere would let anyone on the path swap the model, so it needs the
/// source's explicit <c>allow_insecure: true</c> (and is warned about).
/// </summary>
public sealed record HttpSource : SourceReference
{
    internal HttpSource(Uri uri, bool allowInsecure = false)
    {
        Uri = uri;
        AllowInsecure = allowInsecure;
    }

    /// <summary>The URL as written; it may hold credentials, so print <see cref="SourceReference.DisplayText"/> instead.</summary>
    public Uri Uri { get; }

    /// <summary>Plain http to other machines is allowed for this source.</summary>
    public bool AllowInsecure { get; }

    public override string DisplayText => UrlRedactor.Redact(Uri);

    /// <summary>
    /// The query and fragment are masked in <see cref="DisplayText"/> but choose the content (a signed URL's
    /// object, <c>?v=3</c>), so their SHA-256 keeps such URLs apart; user information never does.
    /// </summary>
    internal override string LockKey => Uri.Query.Length + Uri.Fragment.Length == 0
        ? DisplayText
        : $"{DisplayText} (query " +
            $"sha256:{Cache.Sha256Digest.Compute(System.Text.Encoding.UTF8.GetBytes(Uri.Query + Uri.Fragment)).Hex[..16]})";

    internal override bool IsLocal => false;

    internal override string? Host => Uri.Host;

    internal static SourceReference ParseScheme(string text, string baseDirectory, SourceLocation? at, bool allowInsecure)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new DiagnosticException(SourceDiagnostics.InvalidUri.Create(at, UrlRedactor.Redact(text), "expected scheme://host/path"));
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback && !allowInsecure)
        {
            throw new DiagnosticException(SourceDiagnostics.PlainHttpNotAllowed.Create(at, uri.Host, UrlRedactor.Redact(uri)));
        }

        return new HttpSource(uri, allowInsecure);
    }
}
