namespace ModelBuild.Imaging.Tests.Imaging;

/// <summary>
/// Writes baseline JPEG files from pseudo-random quantised coefficients (generated directly in zig-zag order), with what ImageMagick 6
/// cannot be
/// asked for: restart intervals, Adobe RGB/CMYK/YCCK, component ids. Huffman tables are simple canonical
/// ones (every DC category 4 bits, every AC symbol 8 bits), valid for any decoder.
/// </summary>
internal sealed class JpegBuilder(int width, int height, params (int Id, int H, int V)[] components)
{
    private readonly List<byte> _output = [];
    private int _bitBuffer;
    private int _bitCount;

    public int RestartInterval { get; set; }

    public bool Jfif { get; set; } = true;

    public int? AdobeTransform { get; set; }

    public int Seed { get; set; } = 1;

    public byte[] Build()
    {
        _output.Clear();
        Bytes(0xFF, 0xD8);
        if (Jfif)
        {
            Segment(0xE0, [.. "JFIF\0"u8, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        }

        if (AdobeTransform is { } transform)
        {
            Segment(0xEE, [.. "Adobe"u8, 0, 100, 0, 0, 0, 0, (byte)transform]);
        }

        var quantization = new byte[65];
        for (var k = 0; k < 64; k++)
        {
            quantization[1 + k] = (byte)(k == 0 ? 8 : 2 + (k / 6));
        }

        Segment(0xDB, quantization);
        var frame = new List<byte> { 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, (byte)components.Length };
        foreach (var (id, h, v) in components)
        {
            frame.AddRange([(byte)id, (byte)((h << 4) | v), 0]);
        }

        Segment(0xC0, [.. frame]);
        var dc = new List<byte> { 0x00, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        dc.AddRange(Enumerable.Range(0, 12).Select(i => (byte)i));
        var acSymbols = AcSymbols();
        var ac = new List<byte> { 0x10, 0, 0, 0, 0, 0, 0, 0, (byte)acSymbols.Length, 0, 0, 0, 0, 0, 0, 0, 0 };
        ac.AddRange(acSymbols);
        Segment(0xC4, [.. dc, .. ac]);
        if (RestartInterval > 0)
        {
            Segment(0xDD, [(byte)(RestartInterval >> 8), (byte)RestartInterval]);
        }

        var scan = new List<byte> { (byte)components.Length };
        foreach (var (id, _, _) in components)
        {
            scan.AddRange([(byte)id, 0x00]);
        }

        scan.AddRange([0, 63, 0]);
        Segment(0xDA, [.. scan]);
        EncodeScan(acSymbols);
        Bytes(0xFF, 0xD9);
        return [.. _output];
    }

    private static byte[] AcSymbols()
    {
        var symbols = new List<byte> { 0x00, 0xF0 };
        for (var run = 0; run < 16; run++)
        {
            for (var size = 1; size <= 10; size++)
            {
                symbols.Add((byte)((run << 4) | size));
            }
        }

        return [.. symbols];
    }

    private void EncodeScan(byte[] acSymbols)
    {
        var acCode = new int[256];
        for (var i = 0; i < acSymbols.Length; i++)
        {
            acCode[acSymbols[i]] = i;
        }

        var random = new Random(Seed);
        int maxH = components.Max(c => c.H), maxV = components.Max(c => c.V);
        var single = components.Length == 1;
        int mcusWide, mcusHigh;
        if (single)
        {
            mcusWide = (width + 7) / 8;
            mcusHigh = (height + 7) / 8;
        }
        else
        {
            mcusWide = (width + (8 * maxH) - 1) / (8 * maxH);
            mcusHigh = (height + (8 * maxV) - 1) / (8 * maxV);
        }

        var predictors = new int[components.Length];
        var restarts = 0;
        for (var mcu = 0; mcu < mcusWide * mcusHigh; mcu++)
        {
            if (RestartInterval > 0 && mcu > 0 && mcu % RestartInterval == 0)
            {
                FlushBits();
                Bytes(0xFF, (byte)(0xD0 + (restarts++ & 7)));
                Array.Clear(predictors);
            }

            for (var c = 0; c < components.Length; c++)
            {
                var blocks = single ? 1 : components[c].H * components[c].V;
                for (var b = 0; b < blocks; b++)
                {
                    EncodeBlock(random, ref predictors[c], acCode);
                }
            }
        }

        FlushBits();
    }

    private void EncodeBlock(Random random, ref int predictor, int[] acCode)
    {
        var dc = random.Next(-60, 61);
        var difference = dc - predictor;
        predictor = dc;
        var category = Category(difference);
        Bits(category, 4);
        Bits(Magnitude(difference, category), category);

        var run = 0;
        for (var k = 1; k < 64; k++)
        {
            var value = random.Next(100) < 20 ? random.Next(-25, 26) : 0;
            if (value == 0)
            {
                run++;
                continue;
            }

            while (run > 15)
            {
                Bits(acCode[0xF0], 8);
                run -= 16;
            }

            var size = Category(value);
            Bits(acCode[(run << 4) | size], 8);
            Bits(Magnitude(value, size), size);
            run = 0;
        }

        if (run > 0)
        {
            Bits(acCode[0x00], 8);
        }
    }

    private static int Category(int value)
    {
        var magnitude = Math.Abs(value);
        var bits = 0;
        while (magnitude > 0)
        {
            bits++;
            magnitude >>= 1;
        }

        return bits;
    }

    private static int Magnitude(int value, int bits) => value >= 0 ? value : value + (1 << bits) - 1;

    private void Bits(int value, int count)
    {
        for (var i = count - 1; i >= 0; i--)
        {
            _bitBuffer = (_bitBuffer << 1) | ((value >> i) & 1);
            if (++_bitCount == 8)
            {
                EmitEntropyByte((byte)_bitBuffer);
                _bitBuffer = 0;
                _bitCount = 0;
            }
        }
    }

    private void FlushBits()
    {
        while (_bitCount != 0)
        {
            Bits(1, 1);
        }
    }

    private void EmitEntropyByte(byte value)
    {
        _output.Add(value);
        if (value == 0xFF)
        {
            _output.Add(0x00);
        }
    }

    private void Bytes(params byte[] bytes) => _output.AddRange(bytes);

    private void Segment(byte marker, byte[] body)
    {
        Bytes(0xFF, marker, (byte)((body.Length + 2) >> 8), (byte)(body.Length + 2));
        Bytes(body);
    }
}
