using System.Buffers;

namespace ModelBuild.Imaging.Preprocessing;

/// <summary>
/// Turns decoded images into model input exactly as ModelConverter prepares calibration images, so the
/// build's calibration and the application's inference see the same numbers:
/// <list type="number">
/// <item>colour conversion to <see cref="PreprocessingOptions.Encoding"/> (alpha is dropped, not blended;
/// grey is OpenCV's <c>(4899 R + 9617 G + 1868 B + 8192) &gt;&gt; 14</c>, i.e. 0.299/0.587/0.114);</item>
/// <item>geometry by <see cref="PreprocessingOptions.ResizeMethod"/> on the 8-bit image (bilinear as
/// <see cref="BilinearResizer"/>; offsets of centred crops and pads are rounded down; padding is 0);</item>
/// <item>for float output, <c>(x − Mean[c]) / Scale[c]</c> in float32, laid out NCHW or NHWC; the columns
/// <see cref="ResizeMethod.PadRight"/> fills are 0 after normalisation.</item>
/// </list>
/// </summary>
public sealed class ImagePreprocessor
{
    private readonly float[] _mean;
    private readonly float[] _scale;

    /// <summary>Validates <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">A size is not positive, the encoding is <see cref="ColorEncoding.None"/>, or Mean/Scale
    /// has the wrong count or a zero scale.</exception>
    public ImagePreprocessor(PreprocessingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Encoding == ColorEncoding.None)
        {
            throw new ArgumentException("An image is preprocessed to RGB, BGR or GRAY, not NONE.", nameof(options));
        }

        if (options.Width <= 0 || options.Height <= 0)
        {
            throw new ArgumentException($"The input size must be positive, not {options.Width}x{options.Height}.", nameof(options));
        }

        Options = options;
        _mean = PerChannel(options.Mean, 0f, options.Channels, "Mean");
        _scale = PerChannel(options.Scale, 1f, options.Channels, "Scale");
        if (Array.IndexOf(_scale, 0f) >= 0)
        {
            throw new ArgumentException("Scale values must not be zero.", nameof(options));
        }
    }

    /// <summary>The options this preprocessor applies.</summary>
    public PreprocessingOptions Options { get; }

    /// <summary>The tensor shape produced: <c>[1, C, H, W]</c> or <c>[1, H, W, C]</c>.</summary>
    public long[] Shape => Options.Layout == TensorLayout.Nchw
        ? [1, Options.Channels, Options.Height, Options.Width]
        : [1, Options.Height, Options.Width, Options.Channels];

    /// <summary>The number of elements one image fills: channels × height × width.</summary>
    public int ElementCount => Options.Channels * Options.Height * Options.Width;

    /// <summary>Float input: converted, resized, normalised with Mean and Scale, in the options' layout.</summary>
    public PreprocessedImage<float> ToFloat(ImageFrame frame)
    {
        var data = new float[ElementCount];
        WriteFloat(frame, data);
        return new PreprocessedImage<float>(data, Shape);
    }

    /// <summary>
    /// Writes what <see cref="ToFloat"/> returns into <paramref name="destination"/> (one batch item of a larger
    /// tensor, or a buffer reused across calls); every element is written.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold <see cref="ElementCount"/> elements.</exception>
    public void WriteFloat(ImageFrame frame, Span<float> destination)
    {
        RequireLength(destination.Length, nameof(destination));
        var rented = ArrayPool<byte>.Shared.Rent(ElementCount);
        try
        {
            var pixels = rented.AsSpan(0, ElementCount);
            Prepare(frame, pixels);
            Normalise(frame, pixels, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void Normalise(ImageFrame frame, ReadOnlySpan<byte> pixels, Span<float> destination)
    {
        var channels = Options.Channels;
        var width = Options.Width;
        var area = width * Options.Height;
        var filled = FilledWidth(frame);
        var data = destination;
        data.Clear();
        if (Options.Layout == TensorLayout.Nhwc)
        {
            for (var i = 0; i < pixels.Length; i++)
            {
                var c = i % channels;
                if (i / channels % width < filled)
                {
                    data[i] = (pixels[i] - _mean[c]) / _scale[c];
                }
            }
        }
        else
        {
            for (var c = 0; c < channels; c++)
            {
                var plane = data.Slice(c * area, area);
                float mean = _mean[c], scale = _scale[c];
                for (int p = 0, i = c; p < area; p++, i += channels)
                {
                    if (p % width < filled)
                    {
                        plane[p] = (pixels[i] - mean) / scale;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Raw 8-bit input for models that take uint8 and do their own normalisation: converted and resized,
    /// in the options' layout. Mean and Scale are not applied (the model applies them).
    /// </summary>
    public PreprocessedImage<byte> ToBytes(ImageFrame frame)
    {
        var data = new byte[ElementCount];
        WriteBytes(frame, data);
        return new PreprocessedImage<byte>(data, Shape);
    }

    /// <summary>Writes what <see cref="ToBytes"/> returns into <paramref name="destination"/>; every element is written.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold <see cref="ElementCount"/> elements.</exception>
    public void WriteBytes(ImageFrame frame, Span<byte> destination)
    {
        RequireLength(destination.Length, nameof(destination));
        if (Options.Layout == TensorLayout.Nhwc || Options.Channels == 1)
        {
            Prepare(frame, destination);
            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent(ElementCount);
        try
        {
            var pixels = rented.AsSpan(0, ElementCount);
            Prepare(frame, pixels);
            var area = Options.Width * Options.Height;
            for (var c = 0; c < Options.Channels; c++)
            {
                for (int p = 0, i = c; p < area; p++, i += Options.Channels)
                {
                    destination[(c * area) + p] = pixels[i];
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void RequireLength(int length, string parameter)
    {
        if (length != ElementCount)
        {
            throw new ArgumentException(
                $"The destination holds {length} elements; one image of this input fills {ElementCount}.", parameter);
        }
    }

    /// <summary>
    /// Steps 1 and 2: the 8-bit, interleaved, target-size image in the target channel order, written into
    /// <paramref name="output"/> (<see cref="ElementCount"/> bytes). Working images come from the shared array pool,
    /// so a loop over same-size images allocates nothing here.
    /// </summary>
    internal void Prepare(ImageFrame frame, Span<byte> output)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var channels = Options.Channels;
        var convertedLength = frame.Width * frame.Height * channels;
        var rented = ArrayPool<byte>.Shared.Rent(convertedLength);
        try
        {
            var converted = rented.AsSpan(0, convertedLength);
            ColorConversion.Convert(frame, Options.Encoding, converted);
            output.Clear();
            Place(frame, converted, output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void Place(ImageFrame frame, ReadOnlySpan<byte> converted, Span<byte> output)
    {
        var channels = Options.Channels;
        int width = Options.Width, height = Options.Height;
        switch (Options.ResizeMethod)
        {
            case ResizeMethod.Resize:
                BilinearResizer.Resize(converted, frame.Width, frame.Height, channels, output, width, height);
                break;
            case ResizeMethod.Crop:
                PlaceCentred(converted, frame.Width, frame.Height, channels, output, width, height);
                break;
            case ResizeMethod.PadRight:
                var scaledWidth = FilledWidth(frame);
                var scaledLength = scaledWidth * height * channels;
                var scaled = ArrayPool<byte>.Shared.Rent(scaledLength);
                BilinearResizer.Resize(converted, frame.Width, frame.Height, channels, scaled.AsSpan(0, scaledLength), scaledWidth, height);
                for (var y = 0; y < height; y++)
                {
                    scaled.AsSpan(y * scaledWidth * channels, scaledWidth * channels).CopyTo(output[(y * width * channels)..]);
                }

                ArrayPool<byte>.Shared.Return(scaled);
                break;
            default:
                var scale = Math.Min((double)width / frame.Width, (double)height / frame.Height);
                var fitWidth = Math.Clamp((int)Math.Round(frame.Width * scale, MidpointRounding.AwayFromZero), 1, width);
                var fitHeight = Math.Clamp((int)Math.Round(frame.Height * scale, MidpointRounding.AwayFromZero), 1, height);
                var fittedLength = fitWidth * fitHeight * channels;
                var fitted = ArrayPool<byte>.Shared.Rent(fittedLength);
                BilinearResizer.Resize(converted, frame.Width, frame.Height, channels, fitted.AsSpan(0, fittedLength), fitWidth, fitHeight);
                PlaceCentred(fitted.AsSpan(0, fittedLength), fitWidth, fitHeight, channels, output, width, height);
                ArrayPool<byte>.Shared.Return(fitted);
                break;
        }
    }

    /// <summary>
    /// The columns on the left that hold the image; the rest are padding. Only <see cref="ResizeMethod.PadRight"/>
    /// leaves any: PaddleOCR's <c>min(W, ceil(H · (w / h)))</c>, the ratio taken first as it does.
    /// </summary>
    private int FilledWidth(ImageFrame frame) => Options.ResizeMethod == ResizeMethod.PadRight
        ? (int)Math.Clamp(Math.Ceiling(Options.Height * ((double)frame.Width / frame.Height)), 1, Options.Width)
        : Options.Width;

    /// <summary>
    /// Centres the source on the (zeroed) destination: where the source is larger, its centre window is
    /// taken; where smaller, it is surrounded by black. Offsets are rounded down.
    /// </summary>
    private static void PlaceCentred(
        ReadOnlySpan<byte> source,
        int sourceWidth,
        int sourceHeight,
        int channels,
        Span<byte> destination,
        int width,
        int height)
    {
        var copyWidth = Math.Min(sourceWidth, width);
        var copyHeight = Math.Min(sourceHeight, height);
        var sourceX = (sourceWidth - copyWidth) / 2;
        var sourceY = (sourceHeight - copyHeight) / 2;
        var targetX = (width - copyWidth) / 2;
        var targetY = (height - copyHeight) / 2;
        for (var y = 0; y < copyHeight; y++)
        {
            source.Slice((((sourceY + y) * sourceWidth) + sourceX) * channels, copyWidth * channels)
                .CopyTo(destination[((((targetY + y) * width) + targetX) * channels)..]);
        }
    }

    private static float[] PerChannel(IReadOnlyList<float> values, float fallback, int channels, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (values.Count is not (0 or 1) && values.Count != channels)
        {
            throw new ArgumentException(
                $"{name} has {values.Count} values; give none, one for all channels, or one per channel ({channels}).",
                name);
        }

        var result = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            result[c] = values.Count switch { 0 => fallback, 1 => values[0], _ => values[c] };
        }

        return result;
    }
}
