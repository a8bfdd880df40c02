namespace ModelBuild.Core.Diagnostics;

/// <summary>Finds the known name a mistyped one most likely meant, for "did you mean" messages.</summary>
public static class NameSuggestion
{
    /// <summary>
    /// The candidate closest to <paramref name="word"/> by edit distance, ignoring case, if it is
    /// close enough to be a typo: one edit for words of up to four letters, else two or a third of
    /// the word's length. Ties go to the earlier candidate; null when nothing is close.
    /// </summary>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = EditDistance(word.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        var allowed = Math.Max(word.Length <= 4 ? 1 : 2, word.Length / 3);
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>" Did you mean 'x'?" or an empty string, ready to append to a sentence.</summary>
    public static string DidYouMean(string word, IEnumerable<string> candidates) =>
        Closest(word, candidates) is { } match ? $" Did you mean '{match}'?" : string.Empty;

    /// <summary>"Did you mean 'x'?" or, when nothing is close, "<paramref name="listIntro"/>: a, b, c."</summary>
    public static string Hint(string word, IReadOnlyList<string> candidates, string listIntro = "Expected one of")
    {
        ArgumentNullException.ThrowIfNull(candidates);
        return Closest(word, candidates) is { } closest
            ? $"Did you mean '{closest}'?"
            : candidates.Count == 0 ? "Nothing is expected here." : $"{listIntro}: {string.Join(", ", candidates)}.";
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps each count one.</summary>
    public static int EditDistance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
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
