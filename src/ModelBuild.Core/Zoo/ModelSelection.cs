using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Zoo;

/// <summary>
/// Open Model Zoo's model selection: <c>--all</c>, <c>--name a,b*</c> (shell wildcards, case-sensitive)
/// or <c>--list file</c> (one pattern per line, <c>#</c> starts a comment). Exactly one of them; a
/// pattern that matches nothing is an error. Models are returned once each, in pattern order.
/// </summary>
public static class ModelSelection
{
    public static IReadOnlyList<CatalogModel> Select(
        IReadOnlyList<CatalogModel> models,
        bool all,
        string? names,
        string? listFile,
        string root)
    {
        var count = (all ? 1 : 0) + (names is null ? 0 : 1) + (listFile is null ? 0 : 1);
        if (count > 1)
        {
            throw new DiagnosticException(
                DownloadDiagnostics.SelectionRequired.Create(null, "At most one of --all, --name or --list can be given."));
        }

        if (count == 0)
        {
            throw new DiagnosticException(
                DownloadDiagnostics.SelectionRequired.Create(null, "Give one of --print_all, --all, --name or --list."));
        }

        if (all)
        {
            return models;
        }

        var patterns = names is not null ? names.Split(',') : ReadList(listFile!);
        var selected = new List<CatalogModel>();
        foreach (var pattern in patterns)
        {
            var regex = WildcardRegex(pattern);
            var matching = models.Where(m => regex.IsMatch(m.Name)).ToList();
            if (matching.Count == 0)
            {
                var known = models.Count == 0
                    ? "(none)"
                    : string.Join(", ", models.Select(m => m.Name).Take(20)) + (models.Count > 20 ? ", ..." : "");
                throw new DiagnosticException(DownloadDiagnostics.NoMatchingModels.Create(null, pattern, root, known));
            }

            selected.AddRange(matching.Where(m => !selected.Contains(m)));
        }

        return selected;
    }

    /// <summary>The first token of every line that is not blank or a comment.</summary>
    internal static IReadOnlyList<string> ReadList(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiagnosticException(DownloadDiagnostics.ListUnreadable.Create(null, path, e.Message), e);
        }

        return [.. lines
            .Select(l => l.Split('#')[0].Trim())
            .Where(l => l.Length > 0)
            .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0].Trim('\'', '"'))];
    }

    /// <summary>fnmatch: <c>*</c>, <c>?</c>, <c>[seq]</c>, <c>[!seq]</c>, matched against the whole name.</summary>
    internal static Regex WildcardRegex(string pattern)
    {
        var regex = new System.Text.StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*':
                    regex.Append(".*");
                    break;
                case '?':
                    regex.Append('.');
                    break;
                case '[' when pattern.IndexOf(']', i + 1) is var close and > 0:
                    var set = pattern[(i + 1)..close];
                    regex.Append('[').Append(set.StartsWith('!') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                    i = close;
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
