namespace ModelBuild.Imaging.Jpeg;

/// <summary>
/// Reads the entropy-coded bits of a scan: removes byte stuffing (<c>FF 00</c>) and stops at markers.
/// Past a marker or the end of the file it supplies zero bits, as libjpeg does, but counts them so the
/// decoder can report a scan whose data ended before its last block instead of inventing pixels.
/// </summary>
internal sealed class JpegBitReader(byte[] data, int position)
{
    private ulong _buffer;
    private int _count;
    private int _padding;

    /// <summary>The next unread byte: a marker, or entropy bytes the decoder did not need.</summary>
    public int Position { get; private set; } = position;

    /// <summary>True once bits beyond the real data (zero padding) were consumed.</summary>
    public bool ReadPastEnd => _padding > _count;

    public int Peek(int bits)
    {
        if (_count < bits)
        {
            Fill();
        }

        return (int)(_buffer >> (64 - bits));
    }

    public void Skip(int bits)
    {
        _buffer <<= bits;
        _count -= bits;
    }

    public int ReadBit()
    {
        var bit = Peek(1);
        Skip(1);
        return bit;
    }

    public int ReadBits(int bits)
    {
        if (bits == 0)
        {
            return 0;
        }

        var value = Peek(bits);
        Skip(bits);
        return value;
    }

    /// <summary>Reads <paramref name="bits"/> bits and sign-extends them as T.81 F.2.2.1 (EXTEND) says.</summary>
    public int ReceiveExtend(int bits)
    {
        if (bits == 0)
        {
            return 0;
        }

        var value = ReadBits(bits);
        return value < 1 << (bits - 1) ? value - (1 << bits) + 1 : value;
    }

    /// <summary>Drops buffered bits (the byte padding before a restart marker or the end of a scan).</summary>
    public void Reset()
    {
        _buffer = 0;
        _count = 0;
        _padding = 0;
    }

    private void Fill()
    {
        while (_count <= 56)
        {
            int next = 0;
            if (Position < data.Length)
            {
                var b = data[Position];
                if (b != 0xFF)
                {
                    next = b;
                    Position++;
                }
                else if (Position + 1 < data.Length && data[Position + 1] == 0x00)
                {
                    next = 0xFF;
                    Position += 2;
                }
                else
                {
                    _padding += 8;
                }
            }
            else
            {
                _padding += 8;
            }

            _buffer |= (ulong)next << (56 - _count);
            _count += 8;
        }
    }
}
