namespace ModelBuild.Imaging.Preprocessing;

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

/// <summary>
/// The options of a model input as a manifest (and the generated accessor) describes it, in the manifest's
/// spellings: what the build's calibration applies to that input's images, so an app that prepares its images
/// from these options feeds the model the same numbers.
/// </summary>
public static class ModelInputPreprocessing
{
    /// <summary>
    /// Options for an input of <paramref name="shape"/> in <paramref name="layout"/> (<c>NCHW</c> when null; <c>NCHW</c>,
    /// <c>NHWC</c>, <c>CHW</c> or <c>HWC</c>, a batch of 1), fed <paramref name="encoding"/> (<c>RGB</c>, <c>BGR</c>, <c>GRAY</c>),
    /// normalised with <paramref name="mean"/> and <paramref name="scale"/> (null: none), resized by
    /// <paramref name="resizeMethod"/> (null: <c>RESIZE</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The input is not an image of 1 or 3 channels with a fixed size, or a name is
    /// unknown.</exception>
    public static PreprocessingOptions For(
        IReadOnlyList<long> shape,
        string? layout,
        string? encoding,
        IReadOnlyList<double>? mean,
        IReadOnlyList<double>? scale,
        string? resizeMethod)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (encoding is null || !ColorEncodingNames.TryParse(encoding, out var colours) || colours == ColorEncoding.None)
        {
            throw new ArgumentException(
                $"The input's encoding is {encoding ?? "not given"}; only RGB, BGR and GRAY inputs take images.",
                nameof(encoding));
        }

        var resize = ResizeMethod.Resize;
        if (resizeMethod is not null && !ResizeMethodNames.TryParse(resizeMethod, out resize))
        {
            throw new ArgumentException(
                $"Unknown resize method '{resizeMethod}'; valid: {string.Join(", ", ResizeMethodNames.All)}.",
                nameof(resizeMethod));
        }

        var letters = (layout ?? "NCHW").ToUpperInvariant();
        var offset = letters.StartsWith('N') ? 1 : 0;
        var rest = letters[offset..];
        if (letters.Length != shape.Count || rest is not ("CHW" or "HWC") || (offset == 1 && shape[0] != 1))
        {
            throw new ArgumentException(
                $"An image input is NCHW, NHWC, CHW or HWC with a batch of 1; this one is {letters} [{string.Join(",", shape)}].",
                nameof(shape));
        }

        long Dimension(char letter) => shape[offset + rest.IndexOf(letter, StringComparison.Ordinal)];
        long channels = Dimension('C'), height = Dimension('H'), width = Dimension('W');
        var expectedChannels = colours == ColorEncoding.Gray ? 1 : 3;
        if (channels != expectedChannels || height is <= 0 or > int.MaxValue || width is <= 0 or > int.MaxValue)
        {
            throw new ArgumentException($"An image input of encoding {encoding} has {expectedChannels} channels and a fixed size; this " +
                $"one is {letters} [{string.Join(",", shape)}].", nameof(shape));
        }

        return new PreprocessingOptions
        {
            Width = (int)width,
            Height = (int)height,
            ResizeMethod = resize,
            Encoding = colours,
            Layout = rest == "HWC" ? TensorLayout.Nhwc : TensorLayout.Nchw,
            Mean = mean is null ? [] : [.. mean.Select(v => (float)v)],
            Scale = scale is null ? [] : [.. scale.Select(v => (float)v)],
        };
    }
}
