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
}

/// <summary>The channel order (or greyness) a model expects (ModelConverter's <c>encoding.to</c>).</summary>
public enum ColorEncoding
{
    /// <summary>Red, green, blue.</summary>
    Rgb,

    /// <summary>Blue, green, red (OpenCV's and ModelConverter's default).</summary>
    Bgr,

    /// <summary>One channel: <c>0.299 R + 0.587 G + 0.114 B</c> in OpenCV's 8-bit fixed point.</summary>
    Gray,
}

/// <summary>Where the channel axis goes in the produced tensor.</summary>
public enum TensorLayout
{
    /// <summary><c>[1, C, H, W]</c>: one plane per channel.</summary>
    Nchw,

    /// <summary><c>[1, H, W, C]</c>: channels interleaved per pixel.</summary>
    Nhwc,
}

/// <summary>
/// What a model input wants from an image: its size, how to get there, channel order, layout and
/// normalisation <c>(x - Mean[c]) / Scale[c]</c> with <c>c</c> counted in the produced channel order.
/// </summary>
public sealed record PreprocessingOptions
{
    /// <summary>Input width in pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Input height in pixels.</summary>
    public required int Height { get; init; }

    /// <summary>How to reach <see cref="Width"/> × <see cref="Height"/>; stretching by default.</summary>
    public ResizeMethod ResizeMethod { get; init; } = ResizeMethod.Resize;

    /// <summary>The channel order of the produced tensor; BGR by default, as ModelConverter.</summary>
    public ColorEncoding Encoding { get; init; } = ColorEncoding.Bgr;

    /// <summary>NCHW by default.</summary>
    public TensorLayout Layout { get; init; } = TensorLayout.Nchw;

    /// <summary>Subtracted per channel, in the produced channel order: empty (0), one value for all channels, or one per channel.</summary>
    public IReadOnlyList<float> Mean { get; init; } = [];

    /// <summary>Divided by per channel after <see cref="Mean"/>, same forms; empty means 1; zero is not allowed.</summary>
    public IReadOnlyList<float> Scale { get; init; } = [];

    /// <summary>Channels of the produced tensor: 1 for <see cref="ColorEncoding.Gray"/>, else 3.</summary>
    public int Channels => Encoding == ColorEncoding.Gray ? 1 : 3;
}

/// <summary>A preprocessed image ready to be wrapped in a tensor: row-major data and its shape (batch of 1).</summary>
/// <typeparam name="T"><see cref="float"/> for normalised input, <see cref="byte"/> for raw 8-bit input.</typeparam>
public sealed record PreprocessedImage<T>(T[] Data, long[] Shape)
    where T : unmanaged;
