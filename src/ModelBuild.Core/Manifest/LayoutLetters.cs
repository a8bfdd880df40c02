using System.Globalization;

namespace ModelBuild.Core.Manifest;

/// <summary>Letter-code layouts (<c>NCHW</c>): one letter per dimension, <c>C</c> marking the channels.</summary>
public static class LayoutLetters
{
    /// <summary>What a valid layout looks like, for messages.</summary>
    public const string ValidDescription = "letters A-Z, each at most once (for example NCHW or NHWC)";

    /// <summary>True for letters A–Z (either case), each used once.</summary>
    public static bool IsValid(string layout) =>
        layout.Length > 0
        && layout.All(char.IsAsciiLetter)
        && layout.ToUpperInvariant().Distinct().Count() == layout.Length;

    /// <summary>
    /// The layout ModelConverter assumes for a shape without one: <c>N</c> for a leading 1; for three
    /// remaining dimensions <c>CHW</c> when the first is the smallest or <c>HWC</c> when the last is;
    /// otherwise letters from <c>C</c> on. A dynamic leading dimension counts as a batch of 1.
    /// </summary>
    public static string DefaultFor(IReadOnlyList<long?> shape)
    {
        var letters = new List<char>();
        var start = 0;
        if (shape.Count > 0 && shape[0] is null or 0 or 1)
        {
            letters.Add('N');
            start = 1;
        }

        if (shape.Count - start == 3)
        {
            var (a, b, c) = (shape[start], shape[start + 1], shape[start + 2]);
            if (a < b && a < c)
            {
                return new string([.. letters, 'C', 'H', 'W']);
            }

            if (c < b && c < a)
            {
                return new string([.. letters, 'H', 'W', 'C']);
            }
        }

        for (var i = 0; letters.Count < shape.Count; i++)
        {
            var letter = (char)('A' + ((i + 2) % 26));
            if (!letters.Contains(letter))
            {
                letters.Add(letter);
            }
        }

        return new string([.. letters]);
    }

    /// <summary>The size of the <c>C</c> dimension, when the layout has one and the shape knows it.</summary>
    public static long? ChannelCount(string layout, IReadOnlyList<long?> shape)
    {
        var index = layout.IndexOf('C', StringComparison.Ordinal);
        return index >= 0 && index < shape.Count && shape[index] is > 0 ? shape[index] : null;
    }

    /// <summary><c>[1, 3, 224, 224]</c>, with <c>?</c> for unknown dimensions.</summary>
    public static string FormatShape(IEnumerable<long?> shape) =>
        "[" + string.Join(", ", shape.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "?")) + "]";
}
