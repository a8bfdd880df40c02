using ModelBuild.Imaging.Preprocessing;

namespace ModelBuild.Core.Manifest;

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

    /// <summary>True when the channel order must be reversed (RGB ↔ BGR).</summary>
    public bool FlipsChannels
        => From != To && From is ColorEncoding.Rgb or ColorEncoding.Bgr && To is ColorEncoding.Rgb or ColorEncoding.Bgr;

    /// <summary>Builds the effective encoding as ModelConverter does: a GRAY on either side makes both GRAY.</summary>
    public static EncodingSpec Create(ColorEncoding from, ColorEncoding to) =>
        from == ColorEncoding.Gray || to == ColorEncoding.Gray ? Gray : new EncodingSpec(from, to);

    public override string ToString() => $"{ColorEncodingNames.NameOf(From)}->{ColorEncodingNames.NameOf(To)}";
}
