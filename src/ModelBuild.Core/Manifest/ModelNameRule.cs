using System.Buffers;
using System.Globalization;
using System.Text;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// What a model name may be. A name becomes a folder under <c>obj/</c>, the stem of output files, a
/// manifest resource name and a C# identifier, so it must be one path segment that is the same file on
/// every operating system: no separators, no <c>.</c> or <c>..</c>, no rooted or drive form, no control
/// characters, none of the characters Windows forbids, no trailing dot or space, no reserved device name.
/// </summary>
public static class ModelNameRule
{
    private static readonly SearchValues<char> Separators = SearchValues.Create("/\\");

    private static readonly SearchValues<char> WindowsForbidden = SearchValues.Create("<>:\"|?*");

    // Windows opens the device for these whatever the extension: "nul.onnx" is NUL.
    private static readonly HashSet<string> DeviceNames = new(
        ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", .. Numbered("COM"), .. Numbered("LPT")],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>Why <paramref name="name"/> cannot name a model; null when it can.</summary>
    public static string? Problem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return "it is empty";
        }

        if (name.AsSpan().IndexOfAny(Separators) >= 0)
        {
            return "it holds a path separator ('/' or '\\'), so it would name a file in another folder";
        }

        if (name is "." or "..")
        {
            return $"'{name}' names a folder, not a file";
        }

        if (name.Any(char.IsControl))
        {
            return "it holds a control character";
        }

        if (name.AsSpan().IndexOfAny(WindowsForbidden) is var forbidden and >= 0)
        {
            return $"it holds '{name[forbidden]}', which Windows does not allow in file names";
        }

        if (name != name.Trim() || name.EndsWith('.'))
        {
            return "it starts or ends with white space, or ends with '.', which Windows drops from file names";
        }

        var stem = name.Split('.')[0].TrimEnd();
        if (DeviceNames.Contains(stem))
        {
            return $"'{stem}' is a reserved device name on Windows";
        }

        return null;
    }

    /// <summary>The name as a message shows it: control characters written as <c>\uXXXX</c> so none reaches a terminal or a log.</summary>
    public static string Display(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var shown = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            shown.Append(char.IsControl(c) ? string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}") : c.ToString());
        }

        return shown.ToString();
    }

    private static IEnumerable<string> Numbered(string prefix) =>
        Enumerable.Range(0, 10).Select(n => prefix + n.ToString(CultureInfo.InvariantCulture))
            .Concat([prefix + "\u00B9", prefix + "\u00B2", prefix + "\u00B3"]);
}
