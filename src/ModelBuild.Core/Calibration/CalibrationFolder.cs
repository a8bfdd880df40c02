using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;

namespace ModelBuild.Core.Calibration;

/// <summary>What a calibration file holds, decided by its extension (<see cref="CalibrationFolder.KindOf"/>).</summary>
public enum CalibrationFileKind
{
    /// <summary>Not a calibration file: skipped and reported.</summary>
    Other,

    /// <summary>An image (<see cref="CalibrationFolder.ImageExtensions"/>): decoded and preprocessed.</summary>
    Image,

    /// <summary>A NumPy array, used as it is.</summary>
    Npy,

    /// <summary>Raw little-endian elements of the input's type, used as they are.</summary>
    Raw,
}

/// <summary>
/// The files of a calibration folder, the one list every reader uses (the quantizer's dataset, validation
/// samples, the vendor toolchains): images (<c>.jpg .jpeg .png .bmp</c>) and tensors (<c>.npy .raw</c>), sorted
/// by ordinal file name so every machine pairs the same files. Anything else in the folder is
/// <see cref="Skipped"/>, and reported (MB8030) rather than dropped without a word.
/// </summary>
public sealed record CalibrationFolder(string Path, IReadOnlyList<string> Files, IReadOnlyList<string> Skipped)
{
    /// <summary>Image files, decided by extension as ModelConverter does (BMP too, which ModelBuild's decoders read).</summary>
    public static readonly IReadOnlyList<string> ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp"];

    /// <summary>Tensor files, used as they are: NumPy arrays and raw little-endian tensors.</summary>
    public static readonly IReadOnlyList<string> TensorExtensions = [".npy", ".raw"];

    /// <summary>Every extension a calibration folder may hold.</summary>
    public static readonly IReadOnlyList<string> Extensions = [.. ImageExtensions, .. TensorExtensions];

    private const int NamesShown = 5;

    /// <summary>True for an image file name (by extension, any case).</summary>
    public static bool IsImage(string path) => KindOf(path) == CalibrationFileKind.Image;

    /// <summary>What <paramref name="path"/> holds, by its extension (any case), from the lists above: the one decision every
    /// reader (the quantizer's dataset, the vendor toolchains) makes.</summary>
    public static CalibrationFileKind KindOf(string path)
    {
        var extension = System.IO.Path.GetExtension(path);
        return ImageExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase) ? CalibrationFileKind.Image
            : string.Equals(extension, TensorExtensions[0], StringComparison.OrdinalIgnoreCase) ? CalibrationFileKind.Npy
            : string.Equals(extension, TensorExtensions[1], StringComparison.OrdinalIgnoreCase) ? CalibrationFileKind.Raw
            : CalibrationFileKind.Other;
    }

    /// <summary>
    /// The full path of <paramref name="spec"/>'s folder, a relative one against <paramref name="baseDirectory"/>.
    /// A URL is never made a local path: it is MB8110 on its manifest line.
    /// </summary>
    public static string LocalPath(ImageCalibration spec, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(spec);
        CheckNotUrl(spec);
        return System.IO.Path.GetFullPath(spec.Path.Value, System.IO.Path.GetFullPath(baseDirectory));
    }

    /// <summary>MB8110 on its manifest line when <paramref name="spec"/>'s path is a URL (<c>s3://bucket/calib</c>).</summary>
    public static void CheckNotUrl(ImageCalibration spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Path.Value.Contains("://", StringComparison.Ordinal))
        {
            throw new DiagnosticException(CalibrationDiagnostics.PathNotFolder.Create(spec.Path.Location, spec.Path.Value));
        }
    }

    /// <summary>Lists <paramref name="folder"/> (not its subfolders), which must exist.</summary>
    public static CalibrationFolder List(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var all = Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).ToList();
        var isData = all.ToLookup(f => KindOf(f) != CalibrationFileKind.Other);
        return new CalibrationFolder(folder, [.. isData[true]], [.. isData[false]]);
    }

    /// <summary>The files of one kind (by extension), in order.</summary>
    public IReadOnlyList<string> FilesWith(IReadOnlyList<string> extensions) =>
        [.. Files.Where(f => extensions.Contains(System.IO.Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))];

    /// <summary>MB8030 for the skipped files (their count and first names) at <paramref name="at"/>; null when nothing was
    /// skipped.</summary>
    public Diagnostic? SkippedWarning(SourceLocation? at, string input)
    {
        if (Skipped.Count == 0)
        {
            return null;
        }

        var names = string.Join(", ", Skipped.Take(NamesShown).Select(f => "'" + System.IO.Path.GetFileName(f) + "'"))
            + (Skipped.Count > NamesShown ? ", …" : string.Empty);
        return CalibrationDiagnostics.FilesSkipped.Create(at, Path, input, Skipped.Count, names, string.Join(", ", Extensions));
    }
}
