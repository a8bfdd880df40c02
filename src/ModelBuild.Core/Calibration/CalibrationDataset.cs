using System.Globalization;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Pipeline;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// The calibration data of a model, from its inputs' calibration settings: files from a folder per input
/// (images, <c>.npy</c>, <c>.raw</c>; sorted by file name, the first <c>max_images</c>) or random data.
/// Several inputs are paired by position in their sorted folders, so their folders must hold the same number
/// of files; random inputs follow the file inputs' count. Samples are read one at a time, when enumerated.
/// </summary>
public sealed class CalibrationDataset : ICalibrationDataSource
{
    /// <summary>
    /// The most bytes of decoded tensors a dataset keeps after its first reading, so that the readings after it (the
    /// accuracy measurement after the calibration run) decode nothing again; a larger dataset is decoded on every reading.
    /// </summary>
    public const long RetainedBytesLimit = 256L * 1024 * 1024;

    private readonly IReadOnlyList<InputFeed> _feeds;

    /// <summary>Every sample, once a first reading decoded them all and they fit <see cref="RetainedBytesLimit"/>.</summary>
    private CalibrationSample[]? _retained;

    private CalibrationDataset(IReadOnlyList<InputFeed> feeds, int count)
    {
        _feeds = feeds;
        Count = count;
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <summary>Warnings about the data: files in a calibration folder that are not calibration data (MB8030).</summary>
    public IReadOnlyList<Diagnostic> Warnings => [.. _feeds.Select(f => f.Skipped).OfType<Diagnostic>()];

    /// <summary>The files each input reads, in sample order (empty for random inputs); for reports and dependency tracking.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Files =>
        _feeds.ToDictionary(f => f.Input.Name, f => f.Files, StringComparer.Ordinal);

    /// <summary>
    /// Checks the inputs' calibration settings and lists their files; nothing is decoded yet.
    /// </summary>
    /// <param name="inputs">Every model input, each with its calibration form.</param>
    /// <param name="maxImages">Overrides every input's <c>max_images</c> when set (the command line's <c>--max-images</c>); −1 takes
    /// all.</param>
    /// <exception cref="DiagnosticException">A folder is missing or empty, counts differ, an input cannot take what its folder holds
    /// (MB8101–MB8116).</exception>
    public static CalibrationDataset Open(IReadOnlyList<CalibrationInput> inputs, int? maxImages = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var feeds = new List<InputFeed>();
        foreach (var input in inputs)
        {
            if (input.Shape.Any(d => d <= 0))
            {
                throw new DiagnosticException(
                    CalibrationDiagnostics.ShapeNotFixed.Create(input.At, input.Name, "[" + string.Join(",", input.Shape) + "]"));
            }

            feeds.Add(input.Source switch
            {
                ImageCalibration folder => FileFeed(input, folder, maxImages ?? folder.MaxImages),
                RandomCalibration random => new InputFeed(
                    input,
                    maxImages is { } n && n >= 0 ? n : random.MaxImages,
                    [],
                    null,
                    RandomTensorGenerator.Create(input, random)),
                LinkCalibration { Script: { } script } => throw CalibrationScriptRefusal.For(input.Name, script),
                LinkCalibration link => throw new DiagnosticException(
                    CalibrationDiagnostics.LinkedCalibration.Create(input.At, input.Name, link.Stage.Value)),
                _ => throw new ArgumentException($"Unknown calibration form {input.Source.GetType().Name}.", nameof(inputs)),
            });
        }

        var fileFeeds = feeds.Where(f => f.Reader is not null).ToList();
        int count;
        if (fileFeeds.Count > 0)
        {
            var first = fileFeeds[0];
            if (fileFeeds.Find(f => f.Count != first.Count) is { } other)
            {
                throw new DiagnosticException(
                    CalibrationDiagnostics.CountsDiffer
                        .Create(other.Input.At, first.Input.Name, first.Count, other.Input.Name, other.Count));
            }

            count = first.Count;
        }
        else
        {
            count = feeds.Count == 0 ? 0 : feeds.Max(f => f.Count);
        }

        if (count <= 0)
        {
            var why = feeds.Count == 0 ? "the model has no inputs to feed." : "max_images is 0.";
            throw new DiagnosticException(CalibrationDiagnostics.NoData.Create(feeds.FirstOrDefault()?.Input.At, why));
        }

        return new CalibrationDataset(feeds, count);
    }

    /// <summary>Whether every sample's tensors together fit <see cref="RetainedBytesLimit"/> (then they are decoded once).</summary>
    internal bool Retains => (long)Count * _feeds.Sum(f => f.Input.ElementCount * ElementSize(f.Input.ElementType)) <= RetainedBytesLimit;

    /// <inheritdoc/>
    /// <remarks>
    /// Files are decoded and preprocessed in parallel and yielded in order; a file that cannot be read throws when its
    /// turn comes, exactly as if read one by one. When all samples fit <see cref="RetainedBytesLimit"/> the first reading
    /// decodes them all at once and keeps them for the next readings; otherwise a few are decoded at a time (twice as
    /// many as there are processors) on every reading.
    /// </remarks>
    public IEnumerable<CalibrationSample> Read(CancellationToken cancellationToken = default) =>
        _retained is { } retained ? retained : Retains ? ReadAllOnce(cancellationToken) : ReadInWindows(cancellationToken);

    private IEnumerable<CalibrationSample> ReadAllOnce(CancellationToken cancellationToken)
    {
        var read = new (CalibrationSample? Sample, Exception? Error)[Count];
        using (PhaseTimes.Measure("decode and preprocess"))
        {
            Parallel.For(0, Count, new ParallelOptions { CancellationToken = cancellationToken }, i => read[i] = TryReadSample(i));
        }

        if (Array.TrueForAll(read, r => r.Error is null))
        {
            _retained = [.. read.Select(r => r.Sample!)];
        }

        foreach (var (sample, error) in read)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (error is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            }

            yield return sample!;
        }
    }

    private IEnumerable<CalibrationSample> ReadInWindows(CancellationToken cancellationToken)
    {
        var window = Math.Max(2, 2 * Environment.ProcessorCount);
        var read = new (CalibrationSample? Sample, Exception? Error)[window];
        for (var first = 0; first < Count; first += window)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(window, Count - first);
            var start = first;
            Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, i => read[i] = TryReadSample(start + i));

            for (var i = 0; i < count; i++)
            {
                var (sample, error) = read[i];
                read[i] = default;
                if (error is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                }

                yield return sample!;
            }
        }
    }

    private static int ElementSize(TensorElementType type) => type switch
    {
        TensorElementType.Double or TensorElementType.Int64 or TensorElementType.UInt64 => 8,
        TensorElementType.Float16 or TensorElementType.BFloat16 or TensorElementType.Int16 or TensorElementType.UInt16 => 2,
        TensorElementType.UInt8 or TensorElementType.Int8 or TensorElementType.Bool => 1,
        _ => 4,
    };

    private (CalibrationSample? Sample, Exception? Error) TryReadSample(int index)
    {
        try
        {
            return (ReadSample(index), null);
        }
        catch (Exception e) when (e is DiagnosticException or IOException or UnauthorizedAccessException)
        {
            return (null, e);
        }
    }

    private CalibrationSample ReadSample(int index)
    {
        var tensors = new List<NamedTensor>(_feeds.Count);
        string? name = null;
        foreach (var feed in _feeds)
        {
            if (feed.Reader is not null)
            {
                var file = feed.Files[index];
                name ??= Path.GetFileName(file);
                tensors.Add(new NamedTensor(feed.Input.Name, feed.Reader.Read(file)));
            }
            else
            {
                tensors.Add(new NamedTensor(feed.Input.Name, feed.Random!.Generate(index)));
            }
        }

        return new CalibrationSample(name ?? "random #" + index.ToString(CultureInfo.InvariantCulture), tensors);
    }

    private static InputFeed FileFeed(CalibrationInput input, ImageCalibration spec, int maxImages)
    {
        var folder = CalibrationFolder.LocalPath(spec, input.BaseDirectory);
        if (File.Exists(folder))
        {
            throw new DiagnosticException(CalibrationDiagnostics.PathNotFolder.Create(spec.Path.Location, folder));
        }

        if (!Directory.Exists(folder))
        {
            throw new DiagnosticException(CalibrationDiagnostics.FolderNotFound.Create(spec.Path.Location, folder, input.Name));
        }

        var listing = CalibrationFolder.List(folder);
        var files = listing.Files.ToList();
        if (files.Count == 0)
        {
            throw new DiagnosticException(CalibrationDiagnostics.FolderEmpty
                .Create(spec.Path.Location, folder, input.Name, string.Join(", ", CalibrationFolder.Extensions)));
        }

        if (maxImages >= 0 && files.Count > maxImages)
        {
            files.RemoveRange(maxImages, files.Count - maxImages);
        }

        var reader = InputFileReader.Create(
            input,
            spec.ResizeMethod,
            needsImages: files.Exists(CalibrationFolder.IsImage),
            listedAt: spec.Path.Location);
        return new InputFeed(input, files.Count, files, reader, null) { Skipped = listing.SkippedWarning(spec.Path.Location, input.Name) };
    }

    /// <summary>One input's data: a list of files and their reader, or a random generator.</summary>
    private sealed record InputFeed(
        CalibrationInput Input,
        int Count,
        IReadOnlyList<string> Files,
        InputFileReader? Reader,
        RandomTensorGenerator? Random)
    {
        /// <summary>MB8030 when the folder held files that are not calibration data.</summary>
        public Diagnostic? Skipped { get; init; }
    }
}
