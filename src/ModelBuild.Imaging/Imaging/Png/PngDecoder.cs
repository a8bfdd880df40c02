using System.IO.Compression;
using System.Text;

namespace ModelBuild.Imaging.Png;

/// <summary>
/// Decodes PNG files: every colour type and bit depth, Adam7 interlacing, PLTE and tRNS. Chunk CRCs are
/// checked; a bad CRC in a critical chunk is an error naming the chunk, in an ancillary chunk the chunk is
/// ignored (as libpng does). Unknown ancillary chunks are skipped, unknown critical ones rejected.
/// gAMA, cHRM, sRGB and iCCP are ignored: samples are returned as stored.
/// </summary>
internal sealed class PngDecoder(string displayName)
{
    private const int SignatureLength = 8;

    // Adam7 passes: first row, first column, row step, column step (PNG spec, "Interlace method 1").
    private static readonly (int Y0, int X0, int Dy, int Dx)[] Adam7Passes =
    [
        (0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2), (1, 0, 2, 1),
    ];

    public ImageFrame Decode(ReadOnlySpan<byte> data)
    {
        PngHeader? header = null;
        byte[] palette = [];
        byte[] transparency = [];
        var imageData = new List<(int Offset, int Length)>();
        long imageDataLength = 0;
        var sawEnd = false;

        var position = SignatureLength;
        while (!sawEnd)
        {
            if (data.Length - position < 8)
            {
                throw ImageErrors.Truncated(displayName, "PNG", header is null ? "before the IHDR chunk" : "before the IEND chunk");
            }

            var length = PngHeader.ReadUInt32(data[position..]);
            var typeBytes = data.Slice(position + 4, 4);
            var type = ChunkName(typeBytes);
            if (!IsValidChunkType(typeBytes))
            {
                throw Invalid($"a chunk at byte {position} has the invalid type '{type}'");
            }

            if (length > int.MaxValue)
            {
                throw Invalid($"the {type} chunk claims {length} bytes");
            }

            if (data.Length - position - 12 < length)
            {
                throw ImageErrors.Truncated(displayName, "PNG", $"inside the {type} chunk at byte {position}");
            }

            var body = data.Slice(position + 8, (int)length);
            var storedCrc = PngHeader.ReadUInt32(data[(position + 8 + (int)length)..]);
            var critical = (typeBytes[0] & 0x20) == 0;
            var crcOk = Crc32.Compute(data.Slice(position + 4, 4 + (int)length)) == storedCrc;
            if (!crcOk && critical)
            {
                throw Invalid($"bad CRC in {type} chunk");
            }

            if (header is null && type != "IHDR")
            {
                throw Invalid($"the first chunk is {type}, not IHDR");
            }

            if (crcOk)
            {
                switch (type)
                {
                    case "IHDR":
                        if (header is not null)
                        {
                            throw Invalid("it has a second IHDR chunk");
                        }

                        header = PngHeader.Parse(body, Invalid);
                        ImageErrors.CheckSize(displayName, header.Width, header.Height);
                        break;
                    case "PLTE":
                        palette = ReadPalette(body, header!, imageData.Count > 0);
                        break;
                    case "tRNS":
                        if (imageData.Count == 0)
                        {
                            transparency = body.ToArray();
                        }

                        break;
                    case "IDAT":
                        imageData.Add((position + 8, (int)length));
                        imageDataLength += length;
                        break;
                    case "IEND":
                        sawEnd = true;
                        break;
                    default:
                        if (critical)
                        {
                            throw Invalid($"it has the critical chunk '{type}', which this decoder does not know");
                        }

                        break;
                }
            }

            position += 12 + (int)length;
        }

        if (imageData.Count == 0)
        {
            throw Invalid("it has no IDAT chunk");
        }

        if (header!.ColorType == PngColorType.Palette && palette.Length == 0)
        {
            throw Invalid("it has colour type 3 (palette) but no PLTE chunk");
        }

        var raw = Inflate(data, imageData, imageDataLength, header);
        return Reconstruct(raw, header, new PngPixelExpander(header, palette, transparency));
    }

    private byte[] ReadPalette(ReadOnlySpan<byte> body, PngHeader header, bool afterImageData)
    {
        if (afterImageData)
        {
            throw Invalid("the PLTE chunk comes after IDAT");
        }

        if (body.Length == 0 || body.Length % 3 != 0 || body.Length > 256 * 3)
        {
            throw Invalid($"the PLTE chunk has {body.Length} bytes; it must hold 1 to 256 RGB entries");
        }

        if (header.ColorType is PngColorType.Grayscale or PngColorType.GrayscaleAlpha)
        {
            throw Invalid("a greyscale image has a PLTE chunk");
        }

        // Indexed images may not reference more entries than their bit depth can address; extra entries are harmless.
        return body.ToArray();
    }

    private static long ExpectedDataLength(PngHeader header)
    {
        if (!header.Interlaced)
        {
            return header.Height * (1 + header.RowBytes(header.Width));
        }

        long total = 0;
        foreach (var (y0, x0, dy, dx) in Adam7Passes)
        {
            var (w, h) = PassSize(header, x0, y0, dx, dy);
            if (w > 0 && h > 0)
            {
                total += h * (1 + header.RowBytes(w));
            }
        }

        return total;
    }

    private static (int Width, int Height) PassSize(PngHeader header, int x0, int y0, int dx, int dy) =>
        ((header.Width - x0 + dx - 1) / dx, (header.Height - y0 + dy - 1) / dy);

    private byte[] Inflate(ReadOnlySpan<byte> data, List<(int Offset, int Length)> segments, long compressedLength, PngHeader header)
    {
        var expected = ExpectedDataLength(header);
        if (expected > Array.MaxLength || compressedLength > Array.MaxLength)
        {
            throw ImageErrors.TooLarge(displayName, header.Width, header.Height);
        }

        var compressed = new byte[compressedLength];
        var at = 0;
        foreach (var (offset, length) in segments)
        {
            data.Slice(offset, length).CopyTo(compressed.AsSpan(at));
            at += length;
        }

        var raw = new byte[expected];
        int read;
        try
        {
            using var stream = new ZLibStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
            read = stream.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException ex)
        {
            throw ImageErrors.InvalidPng(displayName, "the compressed image data (IDAT) is corrupt", ex);
        }

        if (read < raw.Length)
        {
            throw ImageErrors.Truncated(
                displayName,
                "PNG",
                $"after {read} of the {raw.Length} bytes of image data the IDAT chunks must decompress to");
        }

        return raw;
    }

    private ImageFrame Reconstruct(byte[] raw, PngHeader header, PngPixelExpander expander)
    {
        var format = expander.OutputFormat;
        var outputStride = header.Width * format.BytesPerPixel();
        var pixels = new byte[(long)outputStride * header.Height];
        var bpp = header.FilterStride;
        var position = 0;
        if (!header.Interlaced)
        {
            position = ReconstructPass(raw, position, header, header.Width, header.Height, bpp, expander, pixels, outputStride, 0, 0, 1, 1);
        }
        else
        {
            foreach (var (y0, x0, dy, dx) in Adam7Passes)
            {
                var (w, h) = PassSize(header, x0, y0, dx, dy);
                if (w > 0 && h > 0)
                {
                    position = ReconstructPass(raw, position, header, w, h, bpp, expander, pixels, outputStride, x0, y0, dx, dy);
                }
            }
        }

        return new ImageFrame(header.Width, header.Height, format, pixels);
    }

    private int ReconstructPass(
        byte[] raw, int position, PngHeader header, int width, int height, int bpp, PngPixelExpander expander,
        byte[] pixels, int outputStride, int x0, int y0, int dx, int dy)
    {
        var rowBytes = (int)header.RowBytes(width);
        var previous = Span<byte>.Empty;
        for (var r = 0; r < height; r++)
        {
            var filter = raw[position];
            var row = raw.AsSpan(position + 1, rowBytes);
            if (!PngScanlineFilter.Unfilter(filter, row, previous, bpp))
            {
                throw Invalid($"scanline {r} uses the unknown filter type {filter}");
            }

            var y = y0 + (r * dy);
            expander.Expand(row, width, pixels.AsSpan(y * outputStride, outputStride), x0, dx);
            previous = row;
            position += 1 + rowBytes;
        }

        return position;
    }

    private InvalidImageException Invalid(string reason) => ImageErrors.InvalidPng(displayName, reason);

    private static bool IsValidChunkType(ReadOnlySpan<byte> type)
    {
        foreach (var b in type)
        {
            if (!((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')))
            {
                return false;
            }
        }

        return true;
    }

    private static string ChunkName(ReadOnlySpan<byte> type)
    {
        var builder = new StringBuilder(4);
        foreach (var b in type)
        {
            builder.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }

        return builder.ToString();
    }
}
