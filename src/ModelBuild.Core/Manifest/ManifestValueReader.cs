using System.Globalization;
using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// Reads typed values from manifest nodes and reports what does not fit at the node's location.
/// YAML scalars are typed by the key that reads them, with pydantic's lax rules: "20" is a number
/// for a number key, <c>yes</c> is true for a boolean key, and any scalar is text for a text key.
/// </summary>
internal sealed partial class ManifestValueReader(UniqueDiagnostics diagnostics)
{
    private readonly List<Located<string>> _notApplied = [];

    public UniqueDiagnostics Diagnostics { get; } = diagnostics;

    /// <summary>Keys reported as accepted but not applied yet, each once, in order.</summary>
    public IReadOnlyList<Located<string>> NotApplied => _notApplied;

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex DecimalNumber();

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex DecimalInteger();

    /// <summary>
    /// Checks the keys of <paramref name="mapping"/> against <paramref name="schema"/>: an unknown key is an
    /// error with a did-you-mean; a key that is accepted but not applied yet is a warning.
    /// </summary>
    public ManifestMapping Open(ManifestMapping mapping, SectionSchema schema)
    {
        foreach (var entry in mapping.Entries)
        {
            var key = entry.Key;
            if (!schema.Accepts(key.Text))
            {
                Diagnostics.Add(
                    ManifestDiagnostics.UnknownKey,
                    key.Location,
                    key.Path,
                    key.OriginSuffix,
                    NameSuggestion.Hint(key.Text, schema.Keys, "Valid keys here"));
            }
            else if (schema.NotApplied.Contains(key.Text))
            {
                ReportNotApplied(key);
            }
        }

        return mapping;
    }

    public void ReportNotApplied(ManifestScalar key)
    {
        var located = new Located<string>(key.Path, key.Location);
        // A key inside one already reported (calibration.script inside calibration) adds nothing.
        var insideReported = _notApplied.Exists(k => key.Path.StartsWith(k.Value + ".", StringComparison.Ordinal));
        if (!insideReported && !_notApplied.Contains(located))
        {
            _notApplied.Add(located);
            Diagnostics.Add(ManifestDiagnostics.KeyNotAppliedYet, key.Location, key.Path);
        }
    }

    public void WrongType(ManifestNode node, string expected) =>
        Diagnostics.Add(ManifestDiagnostics.WrongValueType, node.Location, node.Path, expected, node.Describe() + node.OriginSuffix);

    /// <summary>True when the key is absent or written as null.</summary>
    public static bool IsMissing(ManifestNode? node) => node is null or ManifestScalar { IsNull: true };

    /// <summary>A mapping, or null (absent or null) — anything else is reported.</summary>
    public ManifestMapping? Mapping(ManifestNode? node, string expected = "a mapping")
    {
        if (IsMissing(node))
        {
            return null;
        }

        if (node is ManifestMapping mapping)
        {
            return mapping;
        }

        WrongType(node!, expected);
        return null;
    }

    /// <summary>A sequence, or null (absent or null) — anything else is reported.</summary>
    public ManifestSequence? Sequence(ManifestNode? node, string expected)
    {
        if (IsMissing(node))
        {
            return null;
        }

        if (node is ManifestSequence sequence)
        {
            return sequence;
        }

        WrongType(node!, expected);
        return null;
    }

    /// <summary>Text; null when absent or null.</summary>
    public Located<string>? Text(ManifestNode? node, string expected = "text")
    {
        if (IsMissing(node))
        {
            return null;
        }

        if (node is ManifestScalar scalar)
        {
            return new Located<string>(scalar.Text, scalar.Location);
        }

        WrongType(node!, expected);
        return null;
    }

    public bool Boolean(ManifestNode? node, bool fallback)
    {
        if (node is null)
        {
            return fallback;
        }

        if (node is ManifestScalar scalar && TryParseBoolean(scalar.Text, out var value))
        {
            return value;
        }

        WrongType(node, "true or false");
        return fallback;
    }

    /// <summary>An integer (also <c>2.0</c> or <c>"2"</c>); null when absent, null, or reported.</summary>
    public long? Integer(ManifestNode? node, string expected = "an integer", Func<long, bool>? isValid = null)
    {
        if (IsMissing(node))
        {
            return null;
        }

        if (node is ManifestScalar scalar && TryParseInteger(scalar.Text, out var value) && (isValid?.Invoke(value) ?? true))
        {
            return value;
        }

        WrongType(node!, expected);
        return null;
    }

    /// <summary>A 32-bit integer with a default when absent; null is not an integer here.</summary>
    public int Int32(ManifestNode? node, int fallback, string expected = "an integer", Func<long, bool>? isValid = null)
    {
        if (node is null)
        {
            return fallback;
        }

        if (node is ManifestScalar { IsNull: false } scalar
            && TryParseInteger(scalar.Text, out var value)
            && value is >= int.MinValue and <= int.MaxValue
            && (isValid?.Invoke(value) ?? true))
        {
            return (int)value;
        }

        WrongType(node, expected);
        return fallback;
    }

    public double? Number(ManifestNode? node, string expected = "a number")
    {
        if (IsMissing(node))
        {
            return null;
        }

        if (node is ManifestScalar scalar && TryParseNumber(scalar.Text, out var value))
        {
            return value;
        }

        WrongType(node!, expected);
        return null;
    }

    public double Number(ManifestNode? node, double fallback)
    {
        if (node is null)
        {
            return fallback;
        }

        if (IsMissing(node))
        {
            WrongType(node, "a number");
            return fallback;
        }

        return Number(node) ?? fallback;
    }

    /// <summary>A list of text (ModelConverter's extra tool arguments); null when absent.</summary>
    public IReadOnlyList<string>? TextList(ManifestNode? node)
    {
        const string Expected = "a list of text";
        if (node is null)
        {
            return null;
        }

        if (node is not ManifestSequence sequence)
        {
            WrongType(node, Expected);
            return null;
        }

        var items = new List<string>();
        foreach (var item in sequence.Items)
        {
            if (item is ManifestScalar { IsNull: false } scalar)
            {
                items.Add(scalar.Text);
            }
            else
            {
                WrongType(item, "text");
            }
        }

        return items;
    }

    /// <summary>One of <paramref name="valid"/> (case-sensitive), or null when absent or reported.</summary>
    public Located<string>? Choice(ManifestNode? node, IReadOnlyList<string> valid)
    {
        var text = Text(node, "one of: " + string.Join(", ", valid));
        if (text is null)
        {
            return null;
        }

        if (valid.Contains(text.Value, StringComparer.Ordinal))
        {
            return text;
        }

        InvalidChoice(node!, text.Value, valid);
        return null;
    }

    /// <summary>Reports a value that is not one of <paramref name="valid"/>, with a did-you-mean when one is close.</summary>
    public void InvalidChoice(ManifestNode node, string value, IReadOnlyList<string> valid, bool suggest = true)
    {
        var closest = suggest ? NameSuggestion.Closest(value, valid) : null;
        Diagnostics.Add(
            ManifestDiagnostics.InvalidEnumValue,
            node.Location,
            $"'{value}'{node.OriginSuffix}",
            node.Path,
            string.Join(", ", valid),
            closest is null ? string.Empty : $" Did you mean '{closest}'?");
    }

    /// <summary>An integer from a fixed set (ModelConverter's <c>Literal[...]</c> levels).</summary>
    public int IntegerChoice(ManifestNode? node, int fallback, IReadOnlyList<int> valid)
    {
        if (node is null)
        {
            return fallback;
        }

        var names = valid.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList();
        if (node is ManifestScalar scalar && TryParseInteger(scalar.Text, out var value))
        {
            if (value is >= int.MinValue and <= int.MaxValue && valid.Contains((int)value))
            {
                return (int)value;
            }

            // Levels are numbers; a "did you mean" between numbers only misleads.
            InvalidChoice(node, scalar.Text, names, suggest: false);
            return fallback;
        }

        WrongType(node, "one of: " + string.Join(", ", names));
        return fallback;
    }

    public static bool TryParseBoolean(string text, out bool value)
    {
        switch (text.ToLowerInvariant())
        {
            case "true" or "yes" or "on" or "y" or "t" or "1":
                value = true;
                return true;
            case "false" or "no" or "off" or "n" or "f" or "0":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    public static bool TryParseInteger(string text, out long value)
    {
        text = text.Trim();
        if (DecimalInteger().IsMatch(text))
        {
            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
        }

        value = 0;
        if (TryParseNumber(text, out var number) && double.IsFinite(number) && Math.Floor(number) == number && Math.Abs(number) < 9.0e15)
        {
            value = (long)number;
            return true;
        }

        return false;
    }

    public static bool TryParseNumber(string text, out double value)
    {
        text = text.Trim();
        switch (text)
        {
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                value = double.PositiveInfinity;
                return true;
            case "-.inf" or "-.Inf" or "-.INF":
                value = double.NegativeInfinity;
                return true;
            case ".nan" or ".NaN" or ".NAN":
                value = double.NaN;
                return true;
        }

        value = 0;
        return DecimalNumber().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}
