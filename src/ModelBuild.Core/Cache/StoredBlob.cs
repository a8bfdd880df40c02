using System.Globalization;

namespace ModelBuild.Core.Cache;

/// <summary>A blob as the content store names it: its digest and its size in bytes.</summary>
public sealed record StoredBlob(Sha256Digest Digest, long Size)
{
    /// <summary><c>sha256 &lt;hex&gt; (N bytes)</c>, the form diagnostics print.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"sha256 {Digest} ({Size} bytes)");
}
