namespace ModelBuild.Imaging.Preprocessing;

/// <summary>The channel order (or greyness) of an image input (ModelConverter's <c>encoding</c>).</summary>
public enum ColorEncoding
{
    /// <summary>Red, green, blue.</summary>
    Rgb,

    /// <summary>Blue, green, red (OpenCV's and ModelConverter's default).</summary>
    Bgr,

    /// <summary>One channel: <c>0.299 R + 0.587 G + 0.114 B</c> in OpenCV's 8-bit fixed point.</summary>
    Gray,

    /// <summary>Not an image (a manifest's <c>NONE</c>); <see cref="ImagePreprocessor"/> rejects it.</summary>
    None,
}

/// <summary>The manifest's spellings of <see cref="ColorEncoding"/>.</summary>
public static class ColorEncodingNames
{
    // Indexed by ColorEncoding.
    private static readonly string[] Spellings = ["RGB", "BGR", "GRAY", "NONE"];

    /// <summary>Every spelling, in the order of <see cref="ColorEncoding"/>.</summary>
    public static IReadOnlyList<string> All => Spellings;

    /// <summary>Parses <c>RGB</c>, <c>BGR</c>, <c>GRAY</c> or <c>NONE</c> (case-sensitive, as ModelConverter).</summary>
    public static bool TryParse(string text, out ColorEncoding encoding)
    {
        var index = Array.IndexOf(Spellings, text);
        encoding = index < 0 ? default : (ColorEncoding)index;
        return index >= 0;
    }

    /// <summary>The manifest spelling of <paramref name="encoding"/>.</summary>
    public static string NameOf(ColorEncoding encoding) => Spellings[(int)encoding];
}
