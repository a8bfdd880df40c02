using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// One model input as calibration feeds it: its element type and fixed shape, where its data comes from
/// (<see cref="ImageCalibration"/>: a folder of images, <c>.npy</c> and <c>.raw</c> files;
/// <see cref="RandomCalibration"/>: generated), and how images become its tensor.
/// </summary>
/// <param name="Name">The model input.</param>
/// <param name="ElementType">What the input takes.</param>
/// <param name="Shape">Every dimension fixed.</param>
/// <param name="Source">The manifest's calibration form for this input.</param>
/// <param name="Image">How images are turned into this input's tensor; null when the input is not an image (then only .npy and .raw files
/// feed it).</param>
/// <param name="BaseDirectory">What a relative calibration path is relative to (the manifest's folder).</param>
/// <param name="At">Where the calibration is set, for diagnostics.</param>
public sealed record CalibrationInput(
    string Name,
    TensorElementType ElementType,
    IReadOnlyList<long> Shape,
    CalibrationSpec Source,
    ImageFeed? Image,
    string BaseDirectory,
    SourceLocation? At = null)
{
    /// <summary>The element count of one tensor.</summary>
    public long ElementCount => Shape.Aggregate(1L, (count, dim) => count * dim);

    /// <summary><c>float32[1,3,48,192]</c>.</summary>
    public string Describe() => OnnxElementType.NumPyName(ElementType) + "[" + string.Join(",", Shape) + "]";
}

/// <summary>
/// How a decoded image becomes an input tensor, as the compiled model expects it: the input's layout in
/// letters (<c>NCHW</c>, <c>NHWC</c>, <c>CHW</c>, <c>HWC</c>), the channel order it is fed, and the
/// normalisation <c>(x − Mean[c]) / Scale[c]</c> in that order (empty lists: none, because the model
/// normalises itself or takes raw pixels).
/// </summary>
public sealed record ImageFeed(string Layout, ColorEncoding Encoding, IReadOnlyList<float> Mean, IReadOnlyList<float> Scale)
{
    /// <summary>
    /// The feed of an input the manifest describes. When the model keeps its input semantics (the <c>onnx</c>
    /// target), it is fed what it was trained on: channels in <c>encoding.from</c> order, normalised with the
    /// manifest's mean and scale (given in that order). When preprocessing is baked into the model, it is fed
    /// raw pixels in <c>encoding.to</c> order and normalises them itself.
    /// </summary>
    /// <returns>Null for an input that is not an image (encoding NONE).</returns>
    public static ImageFeed? FromResolved(ResolvedInput input, bool preprocessingInModel)
    {
        ArgumentNullException.ThrowIfNull(input);
        var encoding = input.Encoding.Value;
        var fed = preprocessingInModel ? encoding.To : encoding.From;
        if (fed == ColorEncoding.None)
        {
            return null;
        }

        var layout = input.Layout?.Value ?? "NCHW";
        var mean = preprocessingInModel ? [] : input.MeanValues?.Value.Select(v => (float)v).ToArray() ?? [];
        var scale = preprocessingInModel ? [] : input.ScaleValues?.Value.Select(v => (float)v).ToArray() ?? [];
        return new ImageFeed(layout, fed, mean, scale);
    }
}

/// <summary>One calibration sample: a tensor for every model input, and a name for messages (its file, or its number).</summary>
public sealed record CalibrationSample(string Name, IReadOnlyList<NamedTensor> Inputs);

/// <summary>
/// Calibration samples, read lazily and in a fixed order, so that memory holds one sample at a time and
/// two runs see the same data. Implementations: <see cref="CalibrationDataset"/> (files and random data)
/// and <see cref="TensorCalibrationData"/> (tensors in memory).
/// </summary>
public interface ICalibrationDataSource
{
    /// <summary>The number of samples <see cref="Read"/> yields.</summary>
    int Count { get; }

    /// <summary>The samples, first to last; every enumeration yields the same tensors.</summary>
    /// <exception cref="DiagnosticException">A file cannot be read or does not fit its input (MB81xx, MB80xx).</exception>
    IEnumerable<CalibrationSample> Read(CancellationToken cancellationToken = default);
}

/// <summary>Calibration samples already in memory (tests, or a caller that prepares its own data).</summary>
public sealed class TensorCalibrationData(IReadOnlyList<CalibrationSample> samples) : ICalibrationDataSource
{
    private readonly IReadOnlyList<CalibrationSample> _samples = samples ?? throw new ArgumentNullException(nameof(samples));

    /// <inheritdoc/>
    public int Count => _samples.Count;

    /// <summary>Samples of one input each, named by their index.</summary>
    public static TensorCalibrationData ForInput(string inputName, IEnumerable<Tensor> tensors) =>
        new([.. tensors.Select(
            (t, i) => new CalibrationSample(
                i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [new NamedTensor(inputName, t)]))]);

    /// <inheritdoc/>
    public IEnumerable<CalibrationSample> Read(CancellationToken cancellationToken = default)
    {
        foreach (var sample in _samples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return sample;
        }
    }
}
