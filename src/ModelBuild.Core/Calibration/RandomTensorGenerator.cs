using System.Text;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// ModelConverter's random calibration data: normally distributed values (<c>mean</c>, <c>std</c>) clipped to
/// [<c>min_value</c>, <c>max_value</c>], on the pixel scale those defaults describe. For an image input the
/// values are then normalised with the input's mean and scale, as real images would be, so the model sees
/// data on the scale it was trained on. The generator is seeded by the input's name and the sample's index
/// with its own arithmetic (SplitMix64, Box–Muller), so every machine and .NET version makes the same data.
/// </summary>
internal sealed class RandomTensorGenerator
{
    private readonly CalibrationInput _input;
    private readonly RandomCalibration _spec;
    private readonly ulong _seed;

    private RandomTensorGenerator(CalibrationInput input, RandomCalibration spec)
    {
        _input = input;
        _spec = spec;
        _seed = Fnv1a(input.Name);
    }

    /// <exception cref="DiagnosticException">The input's type has no random form, or the range is inverted (MB8114, MB8115).</exception>
    public static RandomTensorGenerator Create(CalibrationInput input, RandomCalibration spec)
    {
        if (input.ElementType is TensorElementType.String or TensorElementType.Bool or TensorElementType.Undefined)
        {
            throw new DiagnosticException(
                CalibrationDiagnostics.RandomTypeUnsupported.Create(input.At, input.Name, OnnxElementType.NumPyName(input.ElementType)));
        }

        if (!(spec.MinValue <= spec.MaxValue) || !(spec.Std >= 0))
        {
            throw new DiagnosticException(
                CalibrationDiagnostics.RandomRangeInvalid.Create(input.At, input.Name, spec.MinValue, spec.MaxValue, spec.Std));
        }

        return new RandomTensorGenerator(input, spec);
    }

    /// <summary>The tensor of sample <paramref name="index"/>; the same index always gives the same tensor.</summary>
    public Tensor Generate(int index)
    {
        var state = _seed ^ (0x9E3779B97F4A7C15UL * (ulong)(index + 1));
        var count = checked((int)_input.ElementCount);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            // Box–Muller on two uniforms in (0, 1]; one normal value per pair keeps the stream simple.
            var u1 = (NextUInt64(ref state) >> 11) * (1.0 / (1UL << 53));
            var u2 = (NextUInt64(ref state) >> 11) * (1.0 / (1UL << 53));
            var normal = Math.Sqrt(-2.0 * Math.Log(1.0 - u1)) * Math.Cos(2.0 * Math.PI * u2);
            values[i] = Math.Clamp(_spec.Mean + (_spec.Std * normal), _spec.MinValue, _spec.MaxValue);
        }

        Normalise(values);
        return ToTensor(values);
    }

    private void Normalise(double[] values)
    {
        var feed = _input.Image;
        if (feed is null || (feed.Mean.Count == 0 && feed.Scale.Count == 0) || _input.ElementType != TensorElementType.Float)
        {
            return;
        }

        var geometry = ImageGeometry.Of(feed.Layout, _input.Shape);
        var channels = geometry?.Channels ?? 1;
        var area = geometry is null ? values.Length : geometry.Height * geometry.Width;
        for (var i = 0; i < values.Length; i++)
        {
            var c = geometry is null ? 0 : geometry.ChannelsLast ? i % channels : i / area % channels;
            var mean = feed.Mean.Count == 0 ? 0f : feed.Mean[Math.Min(c, feed.Mean.Count - 1)];
            var scale = feed.Scale.Count == 0 ? 1f : feed.Scale[Math.Min(c, feed.Scale.Count - 1)];
            values[i] = ((float)values[i] - mean) / scale;
        }
    }

    private Tensor ToTensor(double[] values)
    {
        long[] shape = [.. _input.Shape];
        return _input.ElementType switch
        {
            TensorElementType.Float => Tensor.Create(values.Select(v => (float)v).ToArray(), shape),
            TensorElementType.Double => Tensor.Create(values, shape),
            TensorElementType.Float16 => Tensor.Create(values.Select(v => (Half)v).ToArray(), shape),
            TensorElementType.BFloat16 => Tensor.Create(values.Select(v => (BFloat16)(float)v).ToArray(), shape),
            TensorElementType.UInt8 => Tensor.Create(values.Select(v => (byte)Integer(v, byte.MinValue, byte.MaxValue)).ToArray(), shape),
            TensorElementType.Int8 => Tensor.Create(values.Select(v => (sbyte)Integer(v, sbyte.MinValue, sbyte.MaxValue)).ToArray(), shape),
            TensorElementType.UInt16 => Tensor.Create(
                values.Select(v => (ushort)Integer(v, ushort.MinValue, ushort.MaxValue)).ToArray(),
                shape),
            TensorElementType.Int16 => Tensor.Create(
                values.Select(v => (short)Integer(v, short.MinValue, short.MaxValue)).ToArray(),
                shape),
            TensorElementType.Int32 => Tensor.Create(values.Select(v => (int)Integer(v, int.MinValue, int.MaxValue)).ToArray(), shape),
            TensorElementType.UInt32 => Tensor.Create(values.Select(v => (uint)Integer(v, uint.MinValue, uint.MaxValue)).ToArray(), shape),
            TensorElementType.Int64 => Tensor.Create(values.Select(v => (long)Integer(v, long.MinValue, long.MaxValue)).ToArray(), shape),
            _ => Tensor.Create(values.Select(v => (ulong)Integer(v, 0, ulong.MaxValue)).ToArray(), shape),
        };
    }

    private static double Integer(double value, double min, double max) => Math.Clamp(Math.Round(value, MidpointRounding.ToEven), min, max);

    private static ulong NextUInt64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Fnv1a(string text)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 0x100000001B3UL;
        }

        return hash;
    }
}
