namespace ModelBuild.Core.Sources;

/// <summary>Ranks candidate paths by how close they are to a path the user asked for, for "did you mean" lists.</summary>
internal static class SimilarPaths
{
    /// <summary>
    /// Up to <paramref name="count"/> candidates: same file name first, then by edit distance,
    /// then ordinal, so the list is the same on every run.
    /// </summary>
    public static IReadOnlyList<string> Rank(string wanted, IEnumerable<string> candidates, int count = 5)
    {
        var wantedName = FileName(wanted);
        return candidates
            .Distinct(StringComparer.Ordinal)
            .Select(c => (Path: c, SameName: string.Equals(
                FileName(c),
                wantedName,
                StringComparison.OrdinalIgnoreCase), Distance: EditDistance(wanted, c)))
            .OrderBy(c => c.SameName ? 0 : 1)
            .ThenBy(c => c.Distance)
            .ThenBy(c => c.Path, StringComparer.Ordinal)
            .Take(count)
            .Select(c => c.Path)
            .ToList();
    }

    private static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];

    /// <summary>Levenshtein distance, case-insensitive (a wrong case is a near miss).</summary>
    internal static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + substitution);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
