namespace ModelBuild.Imaging.Jpeg;

/// <summary>
/// A Huffman table from a DHT segment (ITU T.81 Annex C): canonical codes generated from the 16 code-length
/// counts, decoded through a 9-bit lookup for short codes and per-length maximum codes for longer ones.
/// </summary>
internal sealed class JpegHuffmanTable
{
    private const int LookupBits = 9;

    // Per entry: symbol << 8 | code length, or 0 when the code is longer than LookupBits.
    private readonly ushort[] _lookup = new ushort[1 << LookupBits];
    private readonly int[] _maxCode = new int[18];
    private readonly int[] _valueOffset = new int[17];
    private readonly byte[] _values;

    private JpegHuffmanTable(byte[] counts, byte[] values)
    {
        _values = values;
        var code = 0;
        var k = 0;
        for (var length = 1; length <= 16; length++)
        {
            _valueOffset[length] = k - code;
            for (var i = 0; i < counts[length - 1]; i++, k++, code++)
            {
                if (length <= LookupBits)
                {
                    var shift = LookupBits - length;
                    for (var fill = 0; fill < 1 << shift; fill++)
                    {
                        _lookup[(code << shift) | fill] = (ushort)((values[k] << 8) | length);
                    }
                }
            }

            _maxCode[length] = counts[length - 1] == 0 ? -1 : code - 1;
            code <<= 1;
        }

        _maxCode[17] = int.MaxValue; // a sentinel: lengths past 16 mean corrupt data
    }

    /// <summary>Builds a table; returns null when the counts describe an impossible code (more codes than fit).</summary>
    public static JpegHuffmanTable? Create(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values)
    {
        long code = 0;
        for (var length = 1; length <= 16; length++)
        {
            code = (code + counts[length - 1]) << 1;
            if (code > (2L << length))
            {
                return null;
            }
        }

        return new JpegHuffmanTable(counts.ToArray(), values.ToArray());
    }

    /// <summary>Decodes one symbol; returns -1 for a bit pattern that is no code of this table.</summary>
    public int Decode(JpegBitReader reader)
    {
        var peek = reader.Peek(16);
        var entry = _lookup[peek >> (16 - LookupBits)];
        if (entry != 0)
        {
            reader.Skip(entry & 0xFF);
            return entry >> 8;
        }

        for (var length = LookupBits + 1; length <= 16; length++)
        {
            var code = peek >> (16 - length);
            if (code <= _maxCode[length])
            {
                reader.Skip(length);
                var index = code + _valueOffset[length];
                return (uint)index < (uint)_values.Length ? _values[index] : -1;
            }
        }

        return -1;
    }
}
