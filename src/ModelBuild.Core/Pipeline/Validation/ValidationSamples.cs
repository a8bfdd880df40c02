using ModelBuild.Imaging;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Pipeline.Validation;

/// <summary>
/// The inputs of one validation sample for both models, built from <see cref="InputFeed"/>s. Random values
/// come from <see cref="Random"/> seeded per sample and input, whose seeded sequence .NET keeps stable, so the
/// same feeds and seed always give the same tensors.
/// </summary>
internal static class ValidationSamples
{
    /// <summary>The original's and the converted model's inputs for sample <paramref name="index"/>.</summary>
    public static (List<NamedTensor> Original, List<NamedTensor> Converted) Build(IReadOnlyList<InputFeed> feeds, int seed, int index)
    {
        var original = new List<NamedTensor>();
        var converted = new List<NamedTensor>();
        for (var i = 0; i < feeds.Count; i++)
        {
            var feed = feeds[i];
            var shape = feed.Shape.ToArray();
            if (feed.FrozenValues is { } frozen)
            {
                var values = frozen.Length == 1
                    ? Enumerable.Repeat(frozen[0], checked((int)feed.ElementCount)).ToArray()
                    : frozen.ToArray();
                original.Add(new NamedTensor(feed.Name, Cast(values, feed.OriginalType, shape)));
                continue;
            }

            if (feed.Source is TensorFileSamples { Files.Length: > 0 } tensors && !feed.Baked
                && TensorFile(tensors.Files[index % tensors.Files.Length], feed) is { } exact)
            {
                original.Add(new NamedTensor(feed.Name, Cast(exact, feed.OriginalType, shape)));
                if (feed.ConvertedType is { } type)
                {
                    converted.Add(new NamedTensor(feed.Name, Cast(exact, type, shape)));
                }

                continue;
            }

            var raw = Raw(feed, seed, index, i);
            if (IsInteger(feed.OriginalType) || feed.ConvertedType is { } fed && IsInteger(fed))
            {
                // Both models must see the same values: an integer input gets whole numbers on both sides.
                raw = [.. raw.Select(v => Math.Round(v, MidpointRounding.ToEven))];
            }

            var prepared = Prepare(raw, feed);
            original.Add(new NamedTensor(feed.Name, Cast(prepared, feed.OriginalType, shape)));
            if (feed.ConvertedType is { } convertedType)
            {
                converted.Add(new NamedTensor(feed.Name, Cast(feed.Baked ? raw : prepared, convertedType, shape)));
            }
        }

        return (original, converted);
    }

    private static double[] Raw(InputFeed feed, int seed, int sample, int input) => feed.Source switch
    {
        ImageSamples images when images.Files.Length > 0 => Image(images, images.Files[sample % images.Files.Length], feed),
        RandomSamples random => Random(random, feed.ElementCount, unchecked((seed * 1_000_003) + (sample * 7_919) + input)),
        _ => Random(new RandomSamples(0, 255, 127.5, 35), feed.ElementCount, unchecked((seed * 1_000_003) + (sample * 7_919) + input)),
    };

    /// <summary>The values of a <c>.npy</c> file, or null when it does not hold exactly the input's element count (random values are used
    /// then).</summary>
    private static double[]? TensorFile(ImageFile file, InputFeed feed)
    {
        var tensor = NpyFile.Read(file.Path);
        if (tensor.ElementCount != feed.ElementCount)
        {
            return null;
        }

        return tensor.ElementType switch
        {
            TensorElementType.Float => [.. tensor.ToArray<float>().Select(v => (double)v)],
            TensorElementType.Double => tensor.ToArray<double>(),
            TensorElementType.UInt8 => [.. tensor.ToArray<byte>().Select(v => (double)v)],
            TensorElementType.Int8 => [.. tensor.ToArray<sbyte>().Select(v => (double)v)],
            TensorElementType.Int32 => [.. tensor.ToArray<int>().Select(v => (double)v)],
            TensorElementType.Int64 => [.. tensor.ToArray<long>().Select(v => (double)v)],
            _ => null,
        };
    }

    /// <summary>Normal values (Box–Muller) clipped to the source's range.</summary>
    private static double[] Random(RandomSamples source, long count, int seed)
    {
        var random = new Random(seed);
        var values = new double[count];
        for (var i = 0; i < values.Length; i++)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var normal = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            values[i] = Math.Clamp(source.Mean + (source.Std * normal), source.Min, source.Max);
        }

        return values;
    }

    private static double[] Image(ImageSamples images, ImageFile file, InputFeed feed)
    {
        var nchw = images.Layout == "NCHW";
        var (height, width) = nchw ? (feed.Shape[2], feed.Shape[3]) : (feed.Shape[1], feed.Shape[2]);
        var options = new PreprocessingOptions
        {
            Width = checked((int)width),
            Height = checked((int)height),
            Encoding = ColorEncodingNames.TryParse(images.Encoding, out var encoding) && encoding != ColorEncoding.None
                ? encoding
                : ColorEncoding.Bgr,
            Layout = nchw ? TensorLayout.Nchw : TensorLayout.Nhwc,
            ResizeMethod = ResizeMethodNames.TryParse(images.ResizeMethod, out var resize) ? resize : ResizeMethod.Resize,
        };
        var pixels = new ImagePreprocessor(options).ToBytes(ImageDecoder.DecodeFile(file.Path)).Data;
        return [.. pixels.Select(p => (double)p)];
    }

    /// <summary>The raw values flipped, centred and scaled as the original model expects them.</summary>
    private static double[] Prepare(double[] raw, InputFeed feed)
    {
        if (!feed.FlipChannels && feed.Mean.IsEmpty && feed.Scale.IsEmpty)
        {
            return raw;
        }

        var shape = feed.Shape;
        var axis = feed.ChannelAxis;
        var channels = axis >= 0 ? shape[axis] : 1;
        var inner = axis >= 0 ? shape.Skip(axis + 1).Aggregate(1L, (a, b) => a * b) : raw.Length;
        var result = new double[raw.Length];
        for (var i = 0L; i < raw.Length; i++)
        {
            var channel = axis >= 0 ? (i / inner) % channels : 0;
            var source = feed.FlipChannels ? i + ((channels - 1 - (2 * channel)) * inner) : i;
            var value = raw[source];
            if (!feed.Mean.IsEmpty)
            {
                value -= feed.Mean[feed.Mean.Length == 1 ? 0 : (int)channel];
            }

            if (!feed.Scale.IsEmpty)
            {
                value /= feed.Scale[feed.Scale.Length == 1 ? 0 : (int)channel];
            }

            result[i] = value;
        }

        return result;
    }

    /// <summary>A tensor of <paramref name="elementType"/>: floats as they are, integers rounded and clamped to their range.</summary>
    private static Tensor Cast(double[] values, TensorElementType elementType, long[] shape) => elementType switch
    {
        TensorElementType.Float => Tensor.Create(values.Select(v => (float)v).ToArray(), shape),
        TensorElementType.Double => Tensor.Create(values, shape),
        TensorElementType.Float16 => Tensor.Create(values.Select(v => (Half)v).ToArray(), shape),
        TensorElementType.BFloat16 => Tensor.Create(values.Select(v => BFloat16.FromSingle((float)v)).ToArray(), shape),
        TensorElementType.Bool => Tensor.Create(values.Select(v => v >= 0.5).ToArray(), shape),
        TensorElementType.UInt8 => Tensor.Create(values.Select(v => (byte)Whole(v, byte.MinValue, byte.MaxValue)).ToArray(), shape),
        TensorElementType.Int8 => Tensor.Create(values.Select(v => (sbyte)Whole(v, sbyte.MinValue, sbyte.MaxValue)).ToArray(), shape),
        TensorElementType.UInt16 => Tensor.Create(values.Select(v => (ushort)Whole(v, ushort.MinValue, ushort.MaxValue)).ToArray(), shape),
        TensorElementType.Int16 => Tensor.Create(values.Select(v => (short)Whole(v, short.MinValue, short.MaxValue)).ToArray(), shape),
        TensorElementType.UInt32 => Tensor.Create(values.Select(v => (uint)Whole(v, uint.MinValue, uint.MaxValue)).ToArray(), shape),
        TensorElementType.Int32 => Tensor.Create(values.Select(v => (int)Whole(v, int.MinValue, int.MaxValue)).ToArray(), shape),
        TensorElementType.UInt64 => Tensor.Create(values.Select(v => (ulong)Whole(v, 0, ulong.MaxValue)).ToArray(), shape),
        TensorElementType.Int64 => Tensor.Create(values.Select(v => (long)Whole(v, long.MinValue, long.MaxValue)).ToArray(), shape),
        var other => throw new NotSupportedException($"Validation cannot feed {other} inputs."),
    };

    private static bool IsInteger(TensorElementType elementType) =>
        elementType is TensorElementType.UInt8 or TensorElementType.Int8
            or TensorElementType.UInt16 or TensorElementType.Int16
            or TensorElementType.UInt32 or TensorElementType.Int32
            or TensorElementType.UInt64 or TensorElementType.Int64;

    private static double Whole(double value, double min, double max) => Math.Clamp(Math.Round(value, MidpointRounding.ToEven), min, max);
}
