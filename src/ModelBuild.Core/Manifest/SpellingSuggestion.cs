namespace ModelBuild.Core.Manifest;

/// <summary>Finds the valid word a misspelt one was probably meant to be ("did you mean").</summary>
internal static class SpellingSuggestion
{
    /// <summary>
    /// The candidate closest to <paramref name="word"/> by edit distance (a swap of two neighbours
    /// counts as one edit), if it is close enough to be a typo; ties go to the earlier candidate.
    /// </summary>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = string.Equals(word, candidate, StringComparison.OrdinalIgnoreCase)
                ? 0
                : Distance(word.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        // Short words allow one edit, longer ones two (or a third of their length).
        var allowed = Math.Max(word.Length <= 4 ? 1 : 2, word.Length / 3);
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>"Did you mean 'x'?" or, when nothing is close, "Expected one of: a, b, c." (with the given noun).</summary>
    public static string Hint(string word, IReadOnlyList<string> candidates, string listIntro = "Expected one of")
    {
        var closest = Closest(word, candidates);
        return closest is not null
            ? $"Did you mean '{closest}'?"
            : candidates.Count == 0 ? "Nothing is expected here." : $"{listIntro}: {string.Join(", ", candidates)}.";
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
