using System.Globalization;
using System.Text;

namespace ModelBuild.Tensors;

/// <summary>
/// The dictionary at the start of a .npy file, e.g. <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>.
/// It is a Python literal; this parser reads the subset numpy writes (strings, booleans, integers, tuples,
/// lists, dictionaries) and never evaluates anything.
/// </summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, long[] Shape)
{
    public static NpyHeader Parse(string text)
    {
        var parser = new LiteralParser(text);
        if (parser.ParseValue() is not Dictionary<string, object?> dictionary)
        {
            throw Malformed("it is not a dictionary.");
        }

        parser.ExpectEnd();
        if (!dictionary.TryGetValue("descr", out var descr) || !dictionary.TryGetValue("fortran_order", out var fortran)
            || !dictionary.TryGetValue("shape", out var shape))
        {
            throw Malformed("it must have the keys 'descr', 'fortran_order' and 'shape'.");
        }

        if (descr is not string descrText)
        {
            // A list of fields: a structured (record) dtype.
            throw new InvalidNpyException(RuntimeDiagnostics.NpyUnsupportedDtype("structured " + Describe(descr)));
        }

        if (fortran is not bool fortranOrder)
        {
            throw Malformed("'fortran_order' must be True or False.");
        }

        if (shape is not Tuple items || items.Items.Any(i => i is not long))
        {
            throw Malformed("'shape' must be a tuple of integers.");
        }

        var dims = items.Items.Cast<long>().ToArray();
        if (dims.Any(d => d < 0))
        {
            throw Malformed("'shape' has a negative dimension.");
        }

        return new NpyHeader(descrText, fortranOrder, dims);
    }

    private static InvalidNpyException Malformed(string detail) => new(RuntimeDiagnostics.NpyMalformedHeader(detail));

    private static string Describe(object? value) => value switch
    {
        List<object?> list => "[" + string.Join(", ", list.Select(Describe)) + "]",
        Tuple tuple => "(" + string.Join(", ", tuple.Items.Select(Describe)) + ")",
        string s => "'" + s + "'",
        null => "None",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>A Python tuple (lists are <see cref="List{T}"/>).</summary>
    private sealed record Tuple(List<object?> Items);

    private sealed class LiteralParser(string text)
    {
        private int _position;

        public object? ParseValue()
        {
            SkipSpace();
            if (_position >= text.Length)
            {
                throw Malformed("it ends where a value was expected.");
            }

            var c = text[_position];
            switch (c)
            {
                case '{':
                    return ParseDictionary();
                case '(':
                    return new Tuple(ParseSequence('(', ')'));
                case '[':
                    return ParseSequence('[', ']');
                case '\'' or '"':
                    return ParseString();
                case '-' or '+' or (>= '0' and <= '9'):
                    return ParseInteger();
                default:
                    var word = ParseWord();
                    return word switch
                    {
                        "True" => true,
                        "False" => false,
                        "None" => null,
                        _ => throw Malformed($"'{word}' is not a value numpy writes."),
                    };
            }
        }

        public void ExpectEnd()
        {
            SkipSpace();
            if (_position != text.Length)
            {
                throw Malformed("there is text after the dictionary.");
            }
        }

        private Dictionary<string, object?> ParseDictionary()
        {
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            _position++;
            while (true)
            {
                SkipSpace();
                if (Peek() == '}')
                {
                    _position++;
                    return result;
                }

                if (ParseValue() is not string key)
                {
                    throw Malformed("a dictionary key is not a string.");
                }

                SkipSpace();
                Expect(':');
                result[key] = ParseValue();
                SkipSpace();
                if (Peek() == ',')
                {
                    _position++;
                }
                else if (Peek() != '}')
                {
                    throw Malformed("a ',' or '}' is missing in the dictionary.");
                }
            }
        }

        private List<object?> ParseSequence(char open, char close)
        {
            var items = new List<object?>();
            _position++;
            while (true)
            {
                SkipSpace();
                if (Peek() == close)
                {
                    _position++;
                    return items;
                }

                items.Add(ParseValue());
                SkipSpace();
                if (Peek() == ',')
                {
                    _position++;
                }
                else if (Peek() != close)
                {
                    throw Malformed($"a ',' or '{close}' is missing after '{open}'.");
                }
            }
        }

        private string ParseString()
        {
            var quote = text[_position++];
            var builder = new StringBuilder();
            while (_position < text.Length && text[_position] != quote)
            {
                var c = text[_position++];
                if (c == '\\' && _position < text.Length)
                {
                    c = text[_position++];
                }

                builder.Append(c);
            }

            Expect(quote);
            return builder.ToString();
        }

        private long ParseInteger()
        {
            var start = _position;
            if (text[_position] is '-' or '+')
            {
                _position++;
            }

            while (_position < text.Length && char.IsAsciiDigit(text[_position]))
            {
                _position++;
            }

            var digits = text[start.._position];

            // Python 2 wrote long integers with an L suffix, e.g. (3L, 4L).
            if (_position < text.Length && text[_position] is 'L' or 'l')
            {
                _position++;
            }

            return long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Malformed($"'{digits}' is not an integer.");
        }

        private string ParseWord()
        {
            var start = _position;
            while (_position < text.Length && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] == '_'))
            {
                _position++;
            }

            return _position > start ? text[start.._position] : throw Malformed($"unexpected '{text[_position]}'.");
        }

        private void Expect(char c)
        {
            if (Peek() != c)
            {
                throw Malformed($"'{c}' expected.");
            }

            _position++;
        }

        private char Peek() => _position < text.Length ? text[_position] : '\0';

        private void SkipSpace()
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }
        }
    }
}
