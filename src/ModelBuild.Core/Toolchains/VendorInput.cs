using System.Globalization;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Imaging.Preprocessing;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// One model input as the vendor tools see it: its name, shape, layout and element type, the
/// preprocessing the manifest asks for (mean and scale in the model's training channel order, encoding)
/// and its calibration data.
/// </summary>
public sealed record VendorInput(
    string Name,
    IReadOnlyList<long?>? Shape,
    string? Layout,
    TensorDataType DataType,
    IReadOnlyList<double>? Mean,
    IReadOnlyList<double>? Scale,
    EncodingSpec Encoding,
    CalibrationSpec Calibration,
    SourceLocation CalibrationAt,
    ManifestNode? FrozenValue)
{
    /// <summary>ModelConverter's <c>is_color_input</c>: trained on RGB or BGR.</summary>
    public bool IsColor => Encoding.From is ColorEncoding.Rgb or ColorEncoding.Bgr;

    /// <summary>ModelConverter's <c>encoding_mismatch</c>: the channels are flipped in front of the model.</summary>
    public bool FlipsChannels => Encoding.From != Encoding.To;

    /// <summary>Both sides NONE: a tensor input, not an image.</summary>
    public bool IsRaw => Encoding.From == ColorEncoding.None && Encoding.To == ColorEncoding.None;

    /// <summary>From the manifest's resolution; an input whose type neither the manifest nor the model gives is float32, as
    /// ModelConverter's ONNX inputs usually are.</summary>
    public static VendorInput From(ResolvedInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new VendorInput(
            input.Name.Value,
            input.Shape?.Value,
            input.Layout?.Value,
            input.DataType?.Value ?? TensorDataType.Float32,
            input.MeanValues?.Value,
            input.ScaleValues?.Value,
            input.Encoding.Value,
            input.Calibration.Value,
            input.Calibration.Location,
            input.FrozenValue);
    }

    /// <summary>The shape with every dimension fixed; MB6110 naming <paramref name="target"/> otherwise.</summary>
    public IReadOnlyList<long> FixedShape(string target)
    {
        if (Shape is { } shape && shape.All(d => d is > 0))
        {
            return [.. shape.Select(d => d!.Value)];
        }

        throw new DiagnosticException(ToolchainDiagnostics.InputShapeNotFixed.Create(
            CalibrationAt with { Line = 0, Column = 0 }, Name, target, Shape is null ? "unknown" : LayoutLetters.FormatShape(Shape)));
    }

    /// <summary>The layout, or the one ModelConverter assumes for the shape.</summary>
    public string LayoutOrDefault(IReadOnlyList<long> shape) => Layout ?? LayoutLetters.DefaultFor([.. shape.Select(d => (long?)d)]);

    /// <summary>Height, width and channels of an image input, from its layout; MB6109 when the layout has no H and W.</summary>
    public (int Height, int Width, int Channels) ImageSize(string target, string file)
    {
        var shape = FixedShape(target);
        var layout = LayoutOrDefault(shape);
        int h = layout.IndexOf('H', StringComparison.Ordinal), w = layout.IndexOf('W', StringComparison.Ordinal), c = layout.IndexOf(
            'C',
            StringComparison.Ordinal);
        if (h < 0 || w < 0)
        {
            throw new DiagnosticException(ToolchainDiagnostics.CalibrationFileUnusable.Create(
                CalibrationAt, file, Name, $"the input's layout {layout} has no H and W, so it is not an image; use .npy or .raw files"));
        }

        return (checked((int)shape[h]), checked((int)shape[w]), c < 0 ? 1 : checked((int)shape[c]));
    }
}

/// <summary>Numbers and lists written the way Python prints them, so configs and model scripts match ModelConverter's.</summary>
public static class PythonText
{
    /// <summary>Python's <c>str(float)</c>: shortest round-trip digits, <c>127.0</c> for whole numbers, <c>1e-05</c> for tiny
    /// ones.</summary>
    public static string Number(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        if (value == Math.Floor(value) && Math.Abs(value) < 1e16)
        {
            return value.ToString("0.0", CultureInfo.InvariantCulture);
        }

        return value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
    }

    /// <summary>Python's <c>str(list_of_floats)</c>: <c>[123.675, 116.28, 103.53]</c>.</summary>
    public static string FloatList(IEnumerable<double> values) => "[" + string.Join(", ", values.Select(Number)) + "]";

    /// <summary>Integers joined by <paramref name="separator"/>.</summary>
    public static string Join(IEnumerable<long> values, string separator) =>
        string.Join(separator, values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
}
