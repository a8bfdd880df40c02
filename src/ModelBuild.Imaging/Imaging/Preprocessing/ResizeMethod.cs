namespace ModelBuild.Imaging.Preprocessing;

/// <summary>How an image is brought to the model's input size (ModelConverter's <c>resize_method</c>).</summary>
public enum ResizeMethod
{
    /// <summary>Stretch to the target size, ignoring the aspect ratio (bilinear, see <see cref="BilinearResizer"/>).</summary>
    Resize,

    /// <summary>
    /// Cut the centred target-size window out of the image without scaling. Where the image is smaller
    /// than the target in a direction, it is centred on black in that direction instead.
    /// </summary>
    Crop,

    /// <summary>Scale to fit inside the target keeping the aspect ratio, then centre on black (letterbox).</summary>
    Pad,

    /// <summary>
    /// PaddleOCR's <c>resize_norm_img</c>: scale to the target height keeping the aspect ratio, the width
    /// <c>ceil(H · w / h)</c> but at most the target width, then fill the columns on the right with 0 —
    /// after normalisation, so the padding is 0 in the tensor, not <c>(0 − mean) / scale</c>.
    /// </summary>
    PadRight,
}

/// <summary>The manifest's spellings of <see cref="ResizeMethod"/>: ModelConverter's three, then ModelBuild's <c>PAD_RIGHT</c>.</summary>
public static class ResizeMethodNames
{
    // Indexed by ResizeMethod.
    private static readonly string[] Spellings = ["RESIZE", "CROP", "PAD", "PAD_RIGHT"];

    /// <summary>Every spelling, in the order of <see cref="ResizeMethod"/>.</summary>
    public static IReadOnlyList<string> All => Spellings;

    /// <summary>Parses <c>RESIZE</c>, <c>CROP</c>, <c>PAD</c> or <c>PAD_RIGHT</c> (case-sensitive, as ModelConverter).</summary>
    public static bool TryParse(string text, out ResizeMethod method)
    {
        var index = Array.IndexOf(Spellings, text);
        method = index < 0 ? default : (ResizeMethod)index;
        return index >= 0;
    }

    /// <summary>The manifest spelling of <paramref name="method"/>.</summary>
    public static string NameOf(ResizeMethod method) => Spellings[(int)method];
}
