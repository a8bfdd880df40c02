using System.Globalization;
using System.Text;

namespace ModelBuild.Cli.ProjectIntegration;

/// <summary>Turns model names into C# identifiers and values into C# literals for the generated accessor.</summary>
internal static class CSharpIdentifier
{
    /// <summary>
    /// PascalCase from the name's letters and digits: <c>textcls</c> → <c>Textcls</c>,
    /// <c>ch_ppocr-cls.v2</c> → <c>ChPpocrClsV2</c>; a leading digit gets an underscore.
    /// </summary>
    public static string FromName(string name)
    {
        var builder = new StringBuilder(name.Length);
        var upperNext = true;
        foreach (var c in name)
        {
            if (!char.IsLetterOrDigit(c))
            {
                upperNext = true;
                continue;
            }

            builder.Append(upperNext ? char.ToUpperInvariant(c) : c);
            upperNext = false;
        }

        if (builder.Length == 0 || char.IsDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    public static string StringLiteral(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }

    public static string DoubleLiteral(double value) =>
        double.IsFinite(value)
            ? value.ToString("R", CultureInfo.InvariantCulture) + "d"
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Not a finite number.");
}
