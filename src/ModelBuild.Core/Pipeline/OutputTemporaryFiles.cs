using System.Globalization;
using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// The files an output folder holds while a file is written beside its final name, before the rename:
/// <c>&lt;file&gt;.&lt;pid&gt;.tmp</c>. A run killed in between leaves one behind; the next run that writes the
/// folder removes those whose process is gone.
/// </summary>
public static class OutputTemporaryFiles
{
    private const string Extension = ".tmp";

    /// <summary>Where this process writes <paramref name="path"/> before renaming it into place.</summary>
    public static string PathFor(string path) => string.Create(CultureInfo.InvariantCulture, $"{path}.{Environment.ProcessId}{Extension}");

    /// <summary>Deletes the temporary files in <paramref name="folder"/> whose writer no longer runs on this machine.</summary>
    /// <returns>How many were deleted.</returns>
    public static int RemoveAbandoned(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*" + Extension))
        {
            if (WriterOf(Path.GetFileName(file)) is not { } writer || !writer.IsDeadOnThisMachine())
            {
                continue;
            }

            try
            {
                File.Delete(file);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The next write of the folder tries again.
            }
        }

        return removed;
    }

    private static TempFileOwner? WriterOf(string fileName)
    {
        var stem = fileName[..^Extension.Length];
        var dot = stem.LastIndexOf('.');
        return dot > 0 && int.TryParse(stem.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var processId)
            ? new TempFileOwner(processId, TempFileOwner.Current.Machine)
            : null;
    }
}
