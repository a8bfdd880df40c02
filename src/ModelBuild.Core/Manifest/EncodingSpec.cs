namespace ModelBuild.Core.Manifest;

/// <summary>The channel order of an image input (<c>NONE</c> for inputs that are not images).</summary>
public enum ColorEncoding
{
    Rgb,
    Bgr,
    Gray,
    None,
}

/// <summary>
/// The encoding the model was trained with (<see cref="From"/>) and the one the compiled model is fed
/// (<see cref="To"/>); they differ when the channels must be flipped in front of the model.
/// </summary>
public sealed record EncodingSpec(ColorEncoding From, ColorEncoding To)
{
    /// <summary>ModelConverter's default: trained on RGB, fed BGR.</summary>
    public static EncodingSpec Default { get; } = new(ColorEncoding.Rgb, ColorEncoding.Bgr);

    /// <summary>Both sides gray; forced for any GRAY and for 1-channel inputs.</summary>
    public static EncodingSpec Gray { get; } = new(ColorEncoding.Gray, ColorEncoding.Gray);

    // Indexed by ColorEncoding.
    private static readonly string[] Spellings = ["RGB", "BGR", "GRAY", "NONE"];

    /// <summary>The spellings a manifest accepts, in order.</summary>
    public static IReadOnlyList<string> Names => Spellings;

    /// <summary>True when the channel order must be reversed (RGB ↔ BGR).</summary>
    public bool FlipsChannels
        => From != To && From is ColorEncoding.Rgb or ColorEncoding.Bgr && To is ColorEncoding.Rgb or ColorEncoding.Bgr;

    /// <summary>Builds the effective encoding as ModelConverter does: a GRAY on either side makes both GRAY.</summary>
    public static EncodingSpec Create(ColorEncoding from, ColorEncoding to) =>
        from == ColorEncoding.Gray || to == ColorEncoding.Gray ? Gray : new EncodingSpec(from, to);

    /// <summary>Parses <c>RGB</c>, <c>BGR</c>, <c>GRAY</c> or <c>NONE</c> (case-sensitive, as ModelConverter).</summary>
    public static bool TryParse(string text, out ColorEncoding encoding)
    {
        var index = Array.IndexOf(Spellings, text);
        encoding = index < 0 ? default : (ColorEncoding)index;
        return index >= 0;
    }

    /// <summary>The manifest spelling of <paramref name="encoding"/>.</summary>
    public static string NameOf(ColorEncoding encoding) => Spellings[(int)encoding];

    public override string ToString() => $"{NameOf(From)}->{NameOf(To)}";
}
