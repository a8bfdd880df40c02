using System.Globalization;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Imaging;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// Reads one calibration file for one input, as ModelConverter does: images are decoded by ModelBuild's
/// own decoders and prepared by <see cref="ImagePreprocessor"/> (the very code applications use); <c>.npy</c>
/// and <c>.raw</c> files are taken as they are, their type and size checked against the input.
/// </summary>
internal sealed class InputFileReader
{
    private readonly CalibrationInput _input;
    private readonly ImagePreprocessor? _preprocessor;
    private readonly SourceLocation? _listedAt;

    private InputFileReader(CalibrationInput input, ImagePreprocessor? preprocessor, SourceLocation? listedAt)
    {
        _input = input;
        _preprocessor = preprocessor;
        _listedAt = listedAt;
    }

    /// <summary>A reader for <paramref name="input"/>; images are only accepted when it has an image feed, checked here.</summary>
    /// <exception cref="DiagnosticException">The input cannot take images although its folder holds some (MB8107, MB8108,
    /// MB8116).</exception>
    /// <param name="input">The input the files feed.</param>
    /// <param name="resizeMethod">How images are fitted to the input.</param>
    /// <param name="needsImages">True when the folder holds images.</param>
    /// <param name="listedAt">Where the folder was named (<c>calibration.path</c> in the manifest): errors about a file point there, and
    /// name the file.</param>
    public static InputFileReader Create(
        CalibrationInput input,
        ResizeMethod resizeMethod,
        bool needsImages,
        SourceLocation? listedAt = null)
    {
        if (!needsImages)
        {
            return new InputFileReader(input, null, listedAt);
        }

        if (input.ElementType is not (TensorElementType.Float or TensorElementType.UInt8))
        {
            throw Error(CalibrationDiagnostics.ImageElementType, input, input.Name, OnnxElementType.NumPyName(input.ElementType));
        }

        var feed = input.Image;
        var geometry = feed is null ? null : ImageGeometry.Of(feed.Layout, input.Shape);
        if (feed is null || geometry is null)
        {
            throw Error(
                CalibrationDiagnostics.NotAnImageInput,
                input,
                input.Name,
                "[" + string.Join(",", input.Shape) + "]",
                feed?.Layout ?? "none (encoding NONE)");
        }

        var channels = feed.Encoding == ColorEncoding.Gray ? 1 : 3;
        if (geometry.Channels != channels)
        {
            throw Error(
                CalibrationDiagnostics.ChannelsDoNotMatchEncoding,
                input,
                input.Name,
                geometry.Channels,
                feed.Encoding.ToString().ToUpperInvariant(),
                channels);
        }

        var options = new PreprocessingOptions
        {
            Width = geometry.Width,
            Height = geometry.Height,
            ResizeMethod = resizeMethod,
            Encoding = feed.Encoding,
            Layout = geometry.ChannelsLast ? TensorLayout.Nhwc : TensorLayout.Nchw,
            Mean = feed.Mean,
            Scale = feed.Scale,
        };
        try
        {
            return new InputFileReader(input, new ImagePreprocessor(options), listedAt);
        }
        catch (ArgumentException e)
        {
            throw Error(
                CalibrationDiagnostics.InvalidCalibratorOption,
                input,
                "mean_values/scale_values of " + input.Name,
                string.Join(",", feed.Mean) + " / " + string.Join(",", feed.Scale),
                e.Message.TrimEnd('.'));
        }
    }

    /// <summary>The input tensor held by <paramref name="path"/>.</summary>
    /// <exception cref="DiagnosticException">The file cannot be read, decoded, or does not fit the input.</exception>
    public Tensor Read(string path)
    {
        // An image has no lines: the error points at the manifest line that named its folder, and its message names the file.
        var at = _listedAt is { Line: > 0 } listed ? listed : new SourceLocation(path);
        try
        {
            return CalibrationFolder.KindOf(path) switch
            {
                CalibrationFileKind.Npy => ReadNpy(path),
                CalibrationFileKind.Raw => ReadRaw(path),
                _ => ReadImage(path),
            };
        }
        catch (Exception e) when (e is InvalidImageException or InvalidNpyException)
        {
            throw new DiagnosticException(CodedException.ToDiagnostic(e, at)!, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiagnosticException(CalibrationDiagnostics.FileUnreadable.Create(at, path, e.Message), e);
        }
    }

    private Tensor ReadImage(string path)
    {
        // Create() guarantees a preprocessor whenever the folder holds images.
        var preprocessor = _preprocessor!;
        var frame = ImageDecoder.DecodeFile(path);
        return _input.ElementType == TensorElementType.UInt8
            ? Tensor.Create(preprocessor.ToBytes(frame).Data, [.. _input.Shape])
            : Tensor.Create(preprocessor.ToFloat(frame).Data, [.. _input.Shape]);
    }

    private Tensor ReadNpy(string path)
    {
        var tensor = NpyFile.Read(path);
        // A sample saved without its batch axis (CHW for an NCHW input) is accepted: leading 1s do not move data.
        if (tensor.ElementType != _input.ElementType || !SameIgnoringLeadingOnes(tensor.Shape, _input.Shape))
        {
            throw new DiagnosticException(CalibrationDiagnostics.NpyDoesNotFit.Create(
                new SourceLocation(path), path, tensor.ToString(), _input.Name, _input.Describe()));
        }

        return tensor.Shape.SequenceEqual(_input.Shape)
            ? tensor
            : Tensor.FromBytes(tensor.ElementType, tensor.AsBytes(), [.. _input.Shape]);
    }

    private Tensor ReadRaw(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var needed = _input.ElementCount * ElementSize(_input.ElementType);
        if (bytes.LongLength != needed)
        {
            throw new DiagnosticException(CalibrationDiagnostics.RawSizeMismatch.Create(
                new SourceLocation(path),
                path,
                bytes.LongLength.ToString(CultureInfo.InvariantCulture),
                _input.Name,
                _input.Describe(),
                needed.ToString(CultureInfo.InvariantCulture)));
        }

        return Tensor.FromBytes(_input.ElementType, bytes, [.. _input.Shape]);
    }

    private static int ElementSize(TensorElementType type) => type switch
    {
        TensorElementType.Double or TensorElementType.Int64 or TensorElementType.UInt64 => 8,
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
        TensorElementType.Float16 or TensorElementType.BFloat16 or TensorElementType.Int16 or TensorElementType.UInt16 => 2,
        _ => 1,
    };

    private static bool SameIgnoringLeadingOnes(IReadOnlyList<long> a, IReadOnlyList<long> b) =>
        a.SkipWhile(d => d == 1).SequenceEqual(b.SkipWhile(d => d == 1));

    private static DiagnosticException Error(DiagnosticDescriptor descriptor, CalibrationInput input, params object?[] args) =>
        new(descriptor.Create(input.At, args));
}

/// <summary>Where an image's channels, rows and columns are in an input tensor; only a batch of 1 is allowed.</summary>
internal sealed record ImageGeometry(int Channels, int Height, int Width, bool ChannelsLast)
{
    /// <summary>The geometry of <paramref name="layout"/> over <paramref name="shape"/>, or null when it is not CHW/HWC with an optional
    /// batch of 1.</summary>
    public static ImageGeometry? Of(string layout, IReadOnlyList<long> shape)
    {
        if (layout.Length != shape.Count)
        {
            return null;
        }

        var letters = layout.ToUpperInvariant();
        var batch = letters.IndexOf('N', StringComparison.Ordinal);
        if (batch > 0 || (batch == 0 && shape[0] != 1))
        {
            return null;
        }

        var rest = batch == 0 ? letters[1..] : letters;
        var offset = batch == 0 ? 1 : 0;
        if (rest is not ("CHW" or "HWC"))
        {
            return null;
        }

        var c = shape[offset + rest.IndexOf('C', StringComparison.Ordinal)];
        var h = shape[offset + rest.IndexOf('H', StringComparison.Ordinal)];
        var w = shape[offset + rest.IndexOf('W', StringComparison.Ordinal)];
        return c is 1 or 3 && h is > 0 and <= int.MaxValue && w is > 0 and <= int.MaxValue
            ? new ImageGeometry((int)c, (int)h, (int)w, rest == "HWC")
            : null;
    }
}
