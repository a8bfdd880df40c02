namespace ModelBuild.Core.Manifest;

/// <summary>How calibration images are brought to the input size.</summary>
public enum ResizeMethod
{
    /// <summary>Stretch to the input size.</summary>
    Resize,

    /// <summary>Centre-crop without scaling.</summary>
    Crop,

    /// <summary>Keep the aspect ratio and centre on black.</summary>
    Pad,

    /// <summary>ModelBuild's own: scale to the input's height keeping the aspect ratio (at most its width), pad the right with 0 after
    /// normalisation (PaddleOCR).</summary>
    PadRight,
}

/// <summary>The calibration data of one input: images, random data, or another stage's output.</summary>
public abstract record CalibrationSpec;

/// <summary>Images (or <c>.npy</c>/<c>.raw</c> files) from a folder, archive or URL; <c>max_images</c> −1 takes all.</summary>
public sealed record ImageCalibration(
    Located<string> Path,
    int MaxImages = -1,
    ResizeMethod ResizeMethod = ResizeMethod.Resize) : CalibrationSpec;

/// <summary>Random data with a normal distribution clipped to a range; ModelConverter's default calibration.</summary>
public sealed record RandomCalibration(
    int MaxImages = 20,
    double MinValue = 0,
    double MaxValue = 255,
    double Mean = 127.5,
    double Std = 35,
    TensorDataType DataType = TensorDataType.Float32) : CalibrationSpec
{
    public static RandomCalibration Default { get; } = new();
}

/// <summary>A multi-stage link: calibrate with an output of an earlier stage (or with a script's result).</summary>
public sealed record LinkCalibration(Located<string> Stage, Located<string>? Output, Located<string>? Script) : CalibrationSpec;

/// <summary>The spellings of <see cref="ResizeMethod"/>.</summary>
public static class ResizeMethodNames
{
    // Indexed by ResizeMethod.
    private static readonly string[] Spellings = ["RESIZE", "CROP", "PAD", "PAD_RIGHT"];

    public static IReadOnlyList<string> All => Spellings;

    /// <summary>Parses <c>RESIZE</c>, <c>CROP</c>, <c>PAD</c> or <c>PAD_RIGHT</c> (case-sensitive, as ModelConverter).</summary>
    public static bool TryParse(string text, out ResizeMethod method)
    {
        var index = Array.IndexOf(Spellings, text);
        method = index < 0 ? default : (ResizeMethod)index;
        return index >= 0;
    }
}
