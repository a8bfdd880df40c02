using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.RegularExpressions;

namespace ModelBuild.Core.Manifest.OpenModelZoo;

/// <summary>
/// Open Model Zoo's <c>regex_replace</c> patterns and replacements are Python's <c>re</c> syntax.
/// The patterns are .NET-compatible apart from named groups (<c>(?P&lt;n&gt;…)</c>, <c>(?P=n)</c>);
/// replacements use <c>\1</c>, <c>\g&lt;1&gt;</c> and <c>\g&lt;name&gt;</c> where .NET uses <c>$</c>.
/// </summary>
public static partial class PythonRegex
{
    [GeneratedRegex(@"\(\?P<")]
    private static partial Regex NamedGroup();

    [GeneratedRegex(@"\(\?P=(\w+)\)")]
    private static partial Regex NamedBackreference();

    /// <summary>The .NET form of a Python pattern, or the reason it does not compile.</summary>
    public static bool TryTranslatePattern(string pattern, [NotNullWhen(true)] out Regex? regex, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var translated = NamedBackreference().Replace(NamedGroup().Replace(pattern, "(?<"), @"\k<$1>");
        try
        {
            regex = new Regex(translated, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(10));
            problem = null;
            return true;
        }
        catch (ArgumentException e)
        {
            regex = null;
            problem = e.Message;
            return false;
        }
    }

    /// <summary>The .NET substitution for a Python replacement string (escapes and group references).</summary>
    public static string TranslateReplacement(string replacement)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        var result = new StringBuilder();
        for (var i = 0; i < replacement.Length; i++)
        {
            var c = replacement[i];
            if (c == '$')
            {
                result.Append("$$");
            }
            else if (c == '\\' && i + 1 < replacement.Length)
            {
                var next = replacement[++i];
                if (char.IsAsciiDigit(next))
                {
                    var digits = next.ToString();
                    if (i + 1 < replacement.Length && char.IsAsciiDigit(replacement[i + 1]))
                    {
                        digits += replacement[++i];
                    }

                    result.Append("${").Append(digits).Append('}');
                }
                else if (next == 'g' && i + 1 < replacement.Length && replacement[i + 1] == '<')
                {
                    var close = replacement.IndexOf('>', i + 2);
                    result.Append("${").Append(replacement, i + 2, close - i - 2).Append('}');
                    i = close;
                }
                else
                {
                    result.Append(next switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '\\' => '\\', _ => next });
                }
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }
}
