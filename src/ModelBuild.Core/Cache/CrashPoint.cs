using System.Diagnostics;
using System.Globalization;

namespace ModelBuild.Core.Cache;

/// <summary>
/// A test hook for crash-safety tests: <c>MODELBUILD_CRASH_AT=&lt;point&gt;</c> (or <c>&lt;point&gt;:&lt;n&gt;</c>
/// for its n-th occurrence) makes the engine kill itself with SIGKILL right after that step, so a test
/// can stop it at an exact point instead of at a moment that depends on timing. Unset, it does nothing.
/// Not a user setting: see docs/reliability.md.
/// </summary>
public static class CrashPoint
{
    /// <summary>The environment variable naming the point.</summary>
    public const string EnvironmentVariable = "MODELBUILD_CRASH_AT";

    /// <summary>A blob was renamed into <c>cas/</c>.</summary>
    public const string BlobWritten = "blob-written";

    /// <summary>An action record was renamed into <c>ac/</c>.</summary>
    public const string RecordWritten = "record-written";

    /// <summary>A file was renamed into a model's output folder.</summary>
    public const string OutputWritten = "output-written";

    private static readonly (string Point, int Occurrence)? Target = Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));
    private static int _reached;

    /// <summary>Kills this process if <paramref name="point"/> is the configured crash point's occurrence.</summary>
    public static void Reached(string point)
    {
        if (Target is { } target && target.Point == point && Interlocked.Increment(ref _reached) == target.Occurrence)
        {
            // SIGKILL, like kill -9: no finally blocks, no flushing, no handlers.
            Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        }
    }

    private static (string, int)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var parts = value.Trim().Split(':', 2);
        var occurrence = parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : 1;
        return (parts[0], occurrence);
    }
}
