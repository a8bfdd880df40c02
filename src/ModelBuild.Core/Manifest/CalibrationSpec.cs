using ModelBuild.Imaging.Preprocessing;

namespace ModelBuild.Core.Manifest;

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
