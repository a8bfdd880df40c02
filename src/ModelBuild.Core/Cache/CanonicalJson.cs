using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelBuild.Core.Cache;

/// <summary>
/// Writes a JSON value in one canonical form, so equal options always give equal action keys:
/// object members sorted by ordinal name, no whitespace, numbers in one invariant spelling
/// (integral values without a fraction, others in shortest round-trip form), strings escaped
/// only where JSON requires it.
/// </summary>
public static class CanonicalJson
{
    /// <summary>The canonical text of <paramref name="node"/> (<c>null</c> for a null node).</summary>
    /// <exception cref="ArgumentException">A number is NaN or infinite, which JSON cannot hold.</exception>
    public static string Serialize(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(text, node);
        return text.ToString();
    }

    /// <summary>The canonical text of <paramref name="node"/> as UTF-8 bytes.</summary>
    public static byte[] SerializeToUtf8Bytes(JsonNode? node) => Encoding.UTF8.GetBytes(Serialize(node));

    private static void Write(StringBuilder text, JsonNode? node)
    {
        switch (node)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject obj:
                text.Append('{');
                var first = true;
                foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        text.Append(',');
                    }

                    first = false;
                    WriteString(text, name);
                    text.Append(':');
                    Write(text, value);
                }

                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        text.Append(',');
                    }

                    Write(text, array[i]);
                }

                text.Append(']');
                break;
            case JsonValue value:
                WriteValue(text, value);
                break;
            default:
                throw new ArgumentException($"Unexpected JSON node type {node.GetType().Name}.", nameof(node));
        }
    }

    private static void WriteValue(StringBuilder text, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.Null:
                text.Append("null");
                break;
            case JsonValueKind.True:
                text.Append("true");
                break;
            case JsonValueKind.False:
                text.Append("false");
                break;
            case JsonValueKind.String:
                WriteString(text, value.GetValue<string>());
                break;
            case JsonValueKind.Number:
                WriteNumber(text, value);
                break;
            default:
                throw new ArgumentException($"Unexpected JSON value kind {value.GetValueKind()}.", nameof(value));
        }
    }

    private static void WriteNumber(StringBuilder text, JsonValue value)
    {
        // Work from the JSON spelling: it is the same whichever CLR type backs the node.
        var spelling = value.ToJsonString();

        // Integers are kept exact (a 64-bit seed must not lose digits through double).
        if (BigInteger.TryParse(spelling, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            text.Append(integer.ToString(CultureInfo.InvariantCulture));
            return;
        }

        var number = double.Parse(spelling, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(number))
        {
            throw new ArgumentException($"JSON cannot hold the number {spelling}.", nameof(value));
        }

        // 1, 1.0 and 1e0 are the same option; spell integral values without a fraction.
        if (number == Math.Floor(number) && Math.Abs(number) < 1e15)
        {
            text.Append(((long)number).ToString(CultureInfo.InvariantCulture));
            return;
        }

        text.Append(number.ToString("R", CultureInfo.InvariantCulture));
    }

    private static void WriteString(StringBuilder text, string value)
    {
        text.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\b':
                    text.Append("\\b");
                    break;
                case '\f':
                    text.Append("\\f");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        text.Append(c).Append(value[++i]);
                    }
                    else if (c < 0x20 || char.IsSurrogate(c))
                    {
                        // Control characters must be escaped; a lone surrogate has no UTF-8 form.
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('"');
    }
}
