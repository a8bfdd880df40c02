using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ModelBuild.Imaging.Tests.Imaging;

/// <summary>
/// Writes PNG files from raw sample values with full control over what real encoders decide for us:
/// the filter of every scanline, interlacing, how IDAT is split, extra chunks. Tests use it for cases
/// ImageMagick will not produce on demand (tRNS in every colour type, each filter alone, damage).
/// </summary>
internal sealed class PngBuilder(int width, int height, int bitDepth, int colorType)
{
    public int Width { get; } = width;

    public int Height { get; } = height;

    public int BitDepth { get; } = bitDepth;

    public int ColorType { get; } = colorType;

    public int Channels => ColorType switch { 0 or 3 => 1, 4 => 2, 2 => 3, _ => 4 };

    /// <summary>Width × Height × Channels sample values, row-major.</summary>
    public int[] Samples { get; set; } = [];

    public bool Interlaced { get; set; }

    public byte[]? Palette { get; set; }

    public byte[]? Transparency { get; set; }

    /// <summary>Filter type (0-4) for the n-th scanline written (counted across Adam7 passes).</summary>
    public Func<int, int> FilterOfRow { get; set; } = n => n % 5;

    public int IdatChunkCount { get; set; } = 1;

    /// <summary>Chunks written between PLTE/tRNS and IDAT.</summary>
    public List<(string Type, byte[] Data)> ExtraChunks { get; } = [];

    /// <summary>Fills <see cref="Samples"/> with deterministic pseudo-random values valid for the bit depth (and palette size).</summary>
    public PngBuilder WithRandomSamples(int seed, int? maxValue = null)
    {
        var random = new Random(seed);
        var limit = maxValue ?? ((1 << BitDepth) - 1);
        Samples = new int[Width * Height * Channels];
        for (var i = 0; i < Samples.Length; i++)
        {
            Samples[i] = random.Next(limit + 1);
        }

        return this;
    }

    public byte[] Build()
    {
        using var file = new MemoryStream();
        file.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
        header[8] = (byte)BitDepth;
        header[9] = (byte)ColorType;
        header[12] = Interlaced ? (byte)1 : (byte)0;
        WriteChunk(file, "IHDR", header);
        if (Palette is not null)
        {
            WriteChunk(file, "PLTE", Palette);
        }

        if (Transparency is not null)
        {
            WriteChunk(file, "tRNS", Transparency);
        }

        foreach (var (type, data) in ExtraChunks)
        {
            WriteChunk(file, type, data);
        }

        var compressed = Compress(FilteredScanlines());
        var per = (compressed.Length + IdatChunkCount - 1) / IdatChunkCount;
        for (var offset = 0; offset < compressed.Length; offset += per)
        {
            WriteChunk(file, "IDAT", compressed.AsSpan(offset, Math.Min(per, compressed.Length - offset)).ToArray());
        }

        WriteChunk(file, "IEND", []);
        return file.ToArray();
    }

    public static void WriteChunk(Stream file, string type, byte[] data)
    {
        var typeBytes = Encoding.ASCII.GetBytes(type);
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        file.Write(word);
        file.Write(typeBytes);
        file.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc(typeBytes.Concat(data).ToArray()));
        file.Write(word);
    }

    public static uint Crc(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    private byte[] FilteredScanlines()
    {
        var output = new MemoryStream();
        var rowIndex = 0;
        (int Y0, int X0, int Dy, int Dx)[] passes = Interlaced
            ? [(0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2), (1, 0, 2, 1)]
            : [(0, 0, 1, 1)];
        var bpp = Math.Max(1, Channels * BitDepth / 8);
        foreach (var (y0, x0, dy, dx) in passes)
        {
            byte[]? previous = null;
            for (var y = y0; y < Height; y += dy)
            {
                var xs = Enumerable.Range(0, Width).Where(x => x >= x0 && (x - x0) % dx == 0).ToArray();
                if (xs.Length == 0)
                {
                    break;
                }

                var raw = PackRow(y, xs);
                var filter = FilterOfRow(rowIndex++);
                output.WriteByte((byte)filter);
                output.Write(Filter(filter, raw, previous, bpp));
                previous = raw;
            }
        }

        return output.ToArray();
    }

    private byte[] PackRow(int y, int[] xs)
    {
        var bits = new List<int>();
        var row = new byte[((xs.Length * Channels * BitDepth) + 7) / 8];
        var bit = 0;
        foreach (var x in xs)
        {
            for (var c = 0; c < Channels; c++)
            {
                var value = Samples[(((y * Width) + x) * Channels) + c];
                if (BitDepth == 16)
                {
                    row[bit / 8] = (byte)(value >> 8);
                    row[(bit / 8) + 1] = (byte)value;
                }
                else
                {
                    row[bit / 8] |= (byte)(value << (8 - BitDepth - (bit % 8)));
                }

                bit += BitDepth;
            }
        }

        return row;
    }

    private static byte[] Filter(int type, byte[] raw, byte[]? previous, int bpp)
    {
        var output = new byte[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            int left = i >= bpp ? raw[i - bpp] : 0;
            int up = previous?[i] ?? 0;
            int upLeft = previous is not null && i >= bpp ? previous[i - bpp] : 0;
            var predictor = type switch
            {
                0 => 0,
                1 => left,
                2 => up,
                3 => (left + up) / 2,
                _ => Paeth(left, up, upLeft),
            };
            output[i] = (byte)(raw[i] - predictor);
        }

        return output;
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static byte[] Compress(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }
}
