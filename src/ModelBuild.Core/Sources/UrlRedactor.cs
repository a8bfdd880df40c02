using System.Text.RegularExpressions;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Removes secrets from text about URLs before it is printed: user names and passwords
/// (<c>https://user:pass@host</c>) and the values of query parameters that look like credentials
/// (tokens, keys, signatures, passwords — as in presigned S3/Azure/GCS links).
/// </summary>
internal static partial class UrlRedactor
{
    public const string Mask = "***";

    [GeneratedRegex(@"(?<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)[^/?#@\s]+@")]
    private static partial Regex UserInfo();

    [GeneratedRegex(@"(?<lead>[?&;])(?<name>[^=&#;\s]*(?:token|key|secret|passw|pwd|sig|credential|auth|session|code)[^=&#;\s]*)=[^&#;\s]*", RegexOptions.IgnoreCase)]
    private static partial Regex SecretParameter();

    /// <summary>The URL with its secrets masked.</summary>
    public static string Redact(Uri uri) => Redact(uri.IsAbsoluteUri ? uri.AbsoluteUri : uri.OriginalString);

    /// <summary>Any text (a URL, an error message with URLs in it) with URL secrets masked.</summary>
    public static string Redact(string text)
    {
        var withoutUsers = UserInfo().Replace(text, m => m.Groups["scheme"].Value + Mask + "@");
        return SecretParameter().Replace(withoutUsers, m => m.Groups["lead"].Value + m.Groups["name"].Value + "=" + Mask);
    }
}
