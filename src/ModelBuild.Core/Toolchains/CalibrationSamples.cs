using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Imaging;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Toolchains;

/// <summary>One calibration sample of one input: a file from the calibration folder, or the index of a random sample.</summary>
public sealed record VendorCalibrationSample(string? File, int Index)
{
    public bool IsRandom => File is null;

    /// <summary>What the file holds (<see cref="CalibrationFolder.KindOf"/>); <see cref="CalibrationFileKind.Other"/> for a random
    /// sample.</summary>
    public CalibrationFileKind Kind => File is null ? CalibrationFileKind.Other : CalibrationFolder.KindOf(File);
}

/// <summary>
/// Reads calibration data as ModelConverter does: the folder's calibration files (<see cref="CalibrationFolder"/>, the same list
/// and the same decision by extension as INT8 calibration) sorted by name, the first <c>max_images</c>; images decoded, converted to <c>encoding.to</c> and resized
/// by <c>resize_method</c>, laid out height × width × channels; random samples drawn from a normal
/// distribution clipped to the range (seeded, so the same manifest gives the same data).
/// </summary>
public static class CalibrationSamples
{
    /// <summary>The samples of <paramref name="input"/>: folder files, or <c>max_images</c> random ones.</summary>
    public static IReadOnlyList<VendorCalibrationSample> List(VendorInput input, string manifestDirectory, string route)
    {
        ArgumentNullException.ThrowIfNull(input);
        switch (input.Calibration)
        {
            case RandomCalibration random:
                return [.. Enumerable.Range(0, Math.Max(random.MaxImages, 0)).Select(i => new VendorCalibrationSample(null, i))];
            case ImageCalibration images:
                var folder = Folder(images, input, manifestDirectory, route);
                var files = CalibrationFolder.List(folder).Files;
                if (files.Count == 0)
                {
                    throw new DiagnosticException(
                        ToolchainDiagnostics.CalibrationFolderEmpty.Create(images.Path.Location, folder, input.Name));
                }

                var taken = images.MaxImages >= 0 ? files.Take(images.MaxImages) : files;
                return [.. taken.Select((f, i) => new VendorCalibrationSample(f, i))];
            default:
                throw new DiagnosticException(ToolchainDiagnostics.SettingNotSupported.Create(
                    input.CalibrationAt, "calibration (link to another stage)", route, "multi-stage models are compiled one stage at a " +
                        "time; give this stage an image folder or random calibration"));
        }
    }

    /// <summary>The calibration folder's full path (relative paths are relative to the manifest).</summary>
    public static string Folder(ImageCalibration images, VendorInput input, string manifestDirectory, string route)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(input);
        var path = images.Path.Value;
        if (path.Contains("://", StringComparison.Ordinal))
        {
            throw new DiagnosticException(ToolchainDiagnostics.SettingNotSupported.Create(
                images.Path.Location, "calibration.path as a URL", route, "download the images and give the folder's path"));
        }

        var folder = Path.GetFullPath(Path.Combine(manifestDirectory, path));
        return Directory.Exists(folder)
            ? folder
            : throw new DiagnosticException(ToolchainDiagnostics.CalibrationFolderMissing.Create(images.Path.Location, folder, input.Name));
    }

    /// <summary>
    /// An image sample as 8-bit height × width × channels in the order of <c>encoding.to</c> (gray: one
    /// channel). Random samples are rounded and clipped to 0–255.
    /// </summary>
    public static byte[] ImageBytes(VendorCalibrationSample sample, VendorInput input, string target)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(input);
        var (height, width, channels) = input.ImageSize(target, sample.File ?? "(random)");
        if (sample.IsRandom)
        {
            var random = Random(sample, input, height * width * channels);
            return [.. random.Select(v => (byte)Math.Clamp(Math.Round(v, MidpointRounding.ToEven), 0, 255))];
        }

        if (sample.Kind is CalibrationFileKind.Npy or CalibrationFileKind.Raw)
        {
            throw Unusable(
                sample,
                input,
                $"this target calibrates with images; use {string.Join(", ", CalibrationFolder.ImageExtensions)} files");
        }

        return Decode(sample.File!, input, height, width, channels);
    }

    /// <summary>An image or random sample as float32 height × width × channels on a 0–255 scale, as ModelConverter feeds the Hailo
    /// optimizer.</summary>
    public static float[] ImageFloats(VendorCalibrationSample sample, VendorInput input, string target)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(input);
        var (height, width, channels) = input.ImageSize(target, sample.File ?? "(random)");
        var count = height * width * channels;
        if (sample.IsRandom)
        {
            return [.. Random(sample, input, count).Select(v => (float)v)];
        }

        if (sample.Kind == CalibrationFileKind.Npy)
        {
            var tensor = ReadNpy(sample, input);
            if (tensor.ElementCount != count)
            {
                throw Unusable(sample, input, $"it holds {tensor.ElementCount} values, but the input needs {height}×{width}×{channels} = " +
                    $"{count} (height × width × channels)");
            }

            return ToFloats(tensor, sample, input);
        }

        if (sample.Kind == CalibrationFileKind.Raw)
        {
            throw Unusable(sample, input, "this target reads .npy and image files, not .raw");
        }

        return [.. Decode(sample.File!, input, height, width, channels).Select(b => (float)b)];
    }

    /// <summary>
    /// The bytes of a sample in the input's element type, height × width × channels, as ModelConverter
    /// writes SNPE's raw files (.npy data as stored; .raw files are used as they are and never come here).
    /// </summary>
    public static byte[] RawBytes(VendorCalibrationSample sample, VendorInput input, string target)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(input);
        if (sample.Kind == CalibrationFileKind.Npy)
        {
            return ReadNpy(sample, input).AsBytes().ToArray();
        }

        var (height, width, channels) = input.ImageSize(target, sample.File ?? "(random)");
        double[] values = sample.IsRandom
            ? Random(sample, input, height * width * channels)
            : [.. Decode(sample.File!, input, height, width, channels).Select(b => (double)b)];
        return input.DataType switch
        {
            TensorDataType.Float32 => Tensor.Create(values.Select(v => (float)v).ToArray(), [values.Length]).AsBytes().ToArray(),
            TensorDataType.Float16 => Tensor.Create(values.Select(v => (Half)v).ToArray(), [values.Length]).AsBytes().ToArray(),
            TensorDataType.UInt8 => [.. values.Select(v => (byte)Math.Clamp(v, 0, 255))],
            TensorDataType.Int8 => [.. values.Select(v => unchecked((byte)(sbyte)Math.Clamp(v, -128, 127)))],
            _ => throw Unusable(sample, input, $"raw calibration data of type {input.DataType.ToName()} is not supported; give .raw files"),
        };
    }

    private static byte[] Decode(string file, VendorInput input, int height, int width, int channels)
    {
        var encoding = input.Encoding.To;
        if (encoding == ColorEncoding.None)
        {
            throw Unusable(
                new VendorCalibrationSample(file, 0),
                input,
                "the input's encoding is NONE (not an image); use .npy or .raw files");
        }

        if ((encoding == ColorEncoding.Gray ? 1 : 3) != channels)
        {
            throw Unusable(new VendorCalibrationSample(
                file,
                0), input, $"the input has {channels} channels, but encoding {ColorEncodingNames.NameOf(encoding)} makes images of " +
                    $"{(encoding == ColorEncoding.Gray ? 1 : 3)}");
        }

        ImageFrame frame;
        try
        {
            frame = ImageDecoder.DecodeFile(file);
        }
        catch (InvalidImageException e)
        {
            throw Unusable(new VendorCalibrationSample(file, 0), input, e.Message);
        }

        var options = new PreprocessingOptions
        {
            Width = width,
            Height = height,
            Encoding = encoding,
            Layout = TensorLayout.Nhwc,
            ResizeMethod = input.Calibration is ImageCalibration images ? images.ResizeMethod : ResizeMethod.Resize,
        };
        return new ImagePreprocessor(options).ToBytes(frame).Data;
    }

    /// <summary>Normal samples clipped to the range; seeded by the input's name and the sample index so every run draws the same.</summary>
    private static double[] Random(VendorCalibrationSample sample, VendorInput input, int count)
    {
        var spec = input.Calibration as RandomCalibration ?? RandomCalibration.Default;
        var seed = StableSeed(input.Name) ^ (sample.Index * 7919);
#pragma warning disable CA5394 // Calibration noise, not security: a seeded generator makes builds reproducible.
        var generator = new Random(seed);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            // Box–Muller: two uniform draws give one normal one.
            var u1 = 1.0 - generator.NextDouble();
            var u2 = generator.NextDouble();
            var normal = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            values[i] = Math.Clamp(spec.Mean + (spec.Std * normal), spec.MinValue, spec.MaxValue);
        }
#pragma warning restore CA5394

        return values;
    }

    private static int StableSeed(string text)
    {
        // FNV-1a: string.GetHashCode is randomised per process.
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return unchecked((int)hash);
    }

    private static Tensor ReadNpy(VendorCalibrationSample sample, VendorInput input)
    {
        try
        {
            return NpyFile.Read(sample.File!);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or FormatException)
        {
            throw Unusable(sample, input, e.Message);
        }
    }

    private static float[] ToFloats(Tensor tensor, VendorCalibrationSample sample, VendorInput input) => tensor.ElementType switch
    {
        TensorElementType.Float => tensor.ToArray<float>(),
        TensorElementType.Double => [.. tensor.ToArray<double>().Select(v => (float)v)],
        TensorElementType.UInt8 => [.. tensor.ToArray<byte>().Select(v => (float)v)],
        TensorElementType.Float16 => [.. tensor.ToArray<Half>().Select(v => (float)v)],
        _ => throw Unusable(sample, input, $"its element type {tensor.ElementType} is not float32, float64, float16 or uint8"),
    };

    private static DiagnosticException Unusable(VendorCalibrationSample sample, VendorInput input, string reason) =>
        new(ToolchainDiagnostics.CalibrationFileUnusable.Create(input.CalibrationAt, sample.File ?? "(random sample)", input.Name, reason));
}

/// <summary>
/// Writes 24-bit uncompressed BMP files, the simplest format OpenCV reads: POT's <c>opencv_imread</c>
/// reader gets back exactly the bytes written (channel 0 of each pixel is the file's first byte).
/// </summary>
public static class BmpImageWriter
{
    /// <summary>Writes <paramref name="pixels"/> (height × width × 1 or 3 bytes, rows top first); one channel is written as equal B, G,
    /// R.</summary>
    public static void Write(string path, ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        if (channels is not (1 or 3) || pixels.Length != width * height * channels)
        {
            throw new ArgumentException(
                $"Expected {width}×{height}×(1 or 3) bytes, got {pixels.Length} with {channels} channels.",
                nameof(pixels));
        }

        var stride = ((width * 3) + 3) & ~3;
        var size = 54 + (stride * height);
        var file = new byte[size];
        "BM"u8.CopyTo(file);
        WriteInt(file, 2, size);
        WriteInt(file, 10, 54);
        WriteInt(file, 14, 40);
        WriteInt(file, 18, width);
        WriteInt(file, 22, height);
        file[26] = 1;
        file[28] = 24;
        WriteInt(file, 34, stride * height);

        // Rows are stored bottom first.
        for (var y = 0; y < height; y++)
        {
            var row = 54 + ((height - 1 - y) * stride);
            for (var x = 0; x < width; x++)
            {
                var source = ((y * width) + x) * channels;
                for (var c = 0; c < 3; c++)
                {
                    file[row + (x * 3) + c] = pixels[source + (channels == 1 ? 0 : c)];
                }
            }
        }

        File.WriteAllBytes(path, file);
    }

    private static void WriteInt(byte[] buffer, int offset, int value) =>
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(offset), value);
}
