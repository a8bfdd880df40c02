using System.Buffers.Binary;
using System.Numerics;

namespace ModelBuild.Imaging.Bmp;

/// <summary>
/// Decodes Windows bitmaps: BITMAPCOREHEADER, BITMAPINFOHEADER and the V2–V5 headers; 1/4/8-bit palette,
/// 16/32-bit with BI_RGB or BI_BITFIELDS (and BI_ALPHABITFIELDS), 24-bit; bottom-up and top-down rows.
/// A 32-bit image's fourth byte is alpha unless it is zero everywhere (then the image is opaque), as
/// ImageMagick and browsers read it. RLE and embedded JPEG/PNG are refused as not supported.
/// </summary>
internal sealed class BmpDecoder(string displayName)
{
    private const int FileHeaderSize = 14;

    public ImageFrame Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < FileHeaderSize + 4)
        {
            throw ImageErrors.Truncated(displayName, "BMP", "inside the file header");
        }

        var pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        var headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        if (headerSize != 12 && headerSize is < 40 or > 124)
        {
            throw Invalid($"its header size is {headerSize}; known headers have 12, 40, 52, 56, 64, 108 or 124 bytes");
        }

        if (data.Length < FileHeaderSize + headerSize)
        {
            throw ImageErrors.Truncated(displayName, "BMP", "inside the bitmap header");
        }

        var info = headerSize == 12 ? ReadCoreHeader(data) : ReadInfoHeader(data, (int)headerSize);
        ImageErrors.CheckSize(displayName, info.Width, info.Height);

        var stride = (((long)info.Width * info.BitsPerPixel) + 31) / 32 * 4;
        var lastRowBytes = (((long)info.Width * info.BitsPerPixel) + 7) / 8;
        if (pixelOffset >= data.Length || pixelOffset + (stride * (info.Height - 1)) + lastRowBytes > data.Length)
        {
            throw ImageErrors.Truncated(displayName, "BMP", $"inside the pixel rows (they start at byte {pixelOffset} and need " +
                $"{stride * info.Height} bytes; the file has {data.Length})");
        }

        var pixels = data[(int)pixelOffset..];
        return info.BitsPerPixel switch
        {
            <= 8 => DecodePalette(data, pixels, info, (int)stride),
            24 => DecodeBgr(pixels, info, (int)stride),
            _ => DecodeMasked(pixels, info, (int)stride),
        };
    }

    private BmpInfo ReadCoreHeader(ReadOnlySpan<byte> data)
    {
        int width = BinaryPrimitives.ReadUInt16LittleEndian(data[18..]);
        int height = BinaryPrimitives.ReadUInt16LittleEndian(data[20..]);
        int bpp = BinaryPrimitives.ReadUInt16LittleEndian(data[24..]);
        if (width == 0 || height == 0)
        {
            throw Invalid($"its header gives the size {width}x{height}");
        }

        if (bpp is not (1 or 4 or 8 or 24))
        {
            throw ImageErrors.Unsupported(displayName, "BMP", $"{bpp} bits per pixel in an OS/2 core header");
        }

        return new BmpInfo(
            width,
            height,
            TopDown: false,
            bpp,
            PaletteOffset: FileHeaderSize + 12,
            PaletteEntrySize: 3,
            PaletteCount: 1 << Math.Min(bpp, 8),
            default);
    }

    private BmpInfo ReadInfoHeader(ReadOnlySpan<byte> data, int headerSize)
    {
        var width = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
        var height = BinaryPrimitives.ReadInt32LittleEndian(data[22..]);
        int bpp = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
        var compression = BinaryPrimitives.ReadUInt32LittleEndian(data[30..]);
        var colorsUsed = BinaryPrimitives.ReadUInt32LittleEndian(data[46..]);
        if (width <= 0 || height == 0 || height == int.MinValue)
        {
            throw Invalid($"its header gives the size {width}x{height}");
        }

        switch (compression)
        {
            case 1:
                throw ImageErrors.Unsupported(displayName, "BMP", "RLE8 compression");
            case 2:
                throw ImageErrors.Unsupported(displayName, "BMP", "RLE4 compression");
            case 4:
                throw ImageErrors.Unsupported(displayName, "BMP", "an embedded JPEG");
            case 5:
                throw ImageErrors.Unsupported(displayName, "BMP", "an embedded PNG");
            case not (0 or 3 or 6):
                throw ImageErrors.Unsupported(displayName, "BMP", $"compression type {compression}");
        }

        var bitfields = compression is 3 or 6;
        if (bpp is not (1 or 4 or 8 or 16 or 24 or 32) || (bitfields && bpp is not (16 or 32)))
        {
            throw ImageErrors.Unsupported(displayName, "BMP", $"{bpp} bits per pixel with compression type {compression}");
        }

        var masks = default(BmpMasks);
        if (bitfields)
        {
            // Masks sit right after a 40-byte header, or inside a V2+ header: at byte 54 either way.
            var hasAlphaMask = headerSize >= 56 || compression == 6;
            if (data.Length < 54 + (hasAlphaMask ? 16 : 12))
            {
                throw ImageErrors.Truncated(displayName, "BMP", "inside the colour masks");
            }

            masks = new BmpMasks(
                BinaryPrimitives.ReadUInt32LittleEndian(data[54..]),
                BinaryPrimitives.ReadUInt32LittleEndian(data[58..]),
                BinaryPrimitives.ReadUInt32LittleEndian(data[62..]),
                hasAlphaMask ? BinaryPrimitives.ReadUInt32LittleEndian(data[66..]) : 0);
        }
        else if (bpp == 16)
        {
            masks = new BmpMasks(0x7C00, 0x03E0, 0x001F, 0);
        }
        else if (bpp == 32)
        {
            masks = new BmpMasks(0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000);
        }

        var paletteCount = bpp <= 8 ? (colorsUsed == 0 || colorsUsed > (1u << bpp) ? 1 << bpp : (int)colorsUsed) : 0;
        var paletteOffset = FileHeaderSize + headerSize + (compression == 3 && headerSize == 40 ? 12 : 0)
            + (compression == 6 && headerSize == 40 ? 16 : 0);
        return new BmpInfo(width, Math.Abs(height), height < 0, bpp, paletteOffset, 4, paletteCount, masks);
    }

    private ImageFrame DecodePalette(ReadOnlySpan<byte> file, ReadOnlySpan<byte> pixels, BmpInfo info, int stride)
    {
        var available = (file.Length - info.PaletteOffset) / info.PaletteEntrySize;
        if (info.PaletteOffset > file.Length || available < 1)
        {
            throw ImageErrors.Truncated(displayName, "BMP", "inside the colour table");
        }

        // Indices past the stored table (or past a short file's table) are black, as libraries commonly treat them.
        Span<byte> palette = stackalloc byte[256 * 3];
        palette.Clear();
        var count = Math.Min(info.PaletteCount, available);
        for (var i = 0; i < count; i++)
        {
            var entry = file.Slice(info.PaletteOffset + (i * info.PaletteEntrySize), 3);
            palette[i * 3] = entry[2];
            palette[(i * 3) + 1] = entry[1];
            palette[(i * 3) + 2] = entry[0];
        }

        var output = new byte[(long)info.Width * info.Height * 3];
        var depth = info.BitsPerPixel;
        var mask = (1 << depth) - 1;
        for (var y = 0; y < info.Height; y++)
        {
            var row = pixels.Slice(SourceRow(info, y) * stride);
            var o = y * info.Width * 3;
            for (var x = 0; x < info.Width; x++, o += 3)
            {
                var bit = x * depth;
                var index = (row[bit >> 3] >> (8 - depth - (bit & 7))) & mask;
                output[o] = palette[index * 3];
                output[o + 1] = palette[(index * 3) + 1];
                output[o + 2] = palette[(index * 3) + 2];
            }
        }

        return new ImageFrame(info.Width, info.Height, PixelFormat.Rgb24, output);
    }

    private static ImageFrame DecodeBgr(ReadOnlySpan<byte> pixels, BmpInfo info, int stride)
    {
        var output = new byte[(long)info.Width * info.Height * 3];
        for (var y = 0; y < info.Height; y++)
        {
            var row = pixels.Slice(SourceRow(info, y) * stride, info.Width * 3);
            var o = y * info.Width * 3;
            for (var x = 0; x < row.Length; x += 3)
            {
                output[o + x] = row[x + 2];
                output[o + x + 1] = row[x + 1];
                output[o + x + 2] = row[x];
            }
        }

        return new ImageFrame(info.Width, info.Height, PixelFormat.Rgb24, output);
    }

    private ImageFrame DecodeMasked(ReadOnlySpan<byte> pixels, BmpInfo info, int stride)
    {
        var red = BmpChannel.FromMask(info.Masks.Red) ?? throw Invalid($"its red mask 0x{info.Masks.Red:X8} is not one run of bits");
        var green = BmpChannel.FromMask(info.Masks.Green)
            ?? throw Invalid($"its green mask 0x{info.Masks.Green:X8} is not one run of bits");
        var blue = BmpChannel.FromMask(info.Masks.Blue) ?? throw Invalid($"its blue mask 0x{info.Masks.Blue:X8} is not one run of bits");
        var alpha = info.Masks.Alpha == 0
            ? null
            : BmpChannel.FromMask(info.Masks.Alpha) ?? throw Invalid($"its alpha mask 0x{info.Masks.Alpha:X8} is not one run of bits");
        var bytesPerPixel = info.BitsPerPixel / 8;

        // A zero alpha everywhere means "no alpha" (writers that fill the spare byte with 0), not "invisible".
        var hasAlpha = false;
        if (alpha is not null)
        {
            for (var y = 0; y < info.Height && !hasAlpha; y++)
            {
                var row = pixels.Slice(y * stride, info.Width * bytesPerPixel);
                for (var x = 0; x < row.Length; x += bytesPerPixel)
                {
                    if ((ReadPixel(row[x..], bytesPerPixel) & info.Masks.Alpha) != 0)
                    {
                        hasAlpha = true;
                        break;
                    }
                }
            }
        }

        var format = hasAlpha ? PixelFormat.Rgba32 : PixelFormat.Rgb24;
        var channels = format.BytesPerPixel();
        var output = new byte[(long)info.Width * info.Height * channels];
        for (var y = 0; y < info.Height; y++)
        {
            var row = pixels.Slice(SourceRow(info, y) * stride, info.Width * bytesPerPixel);
            var o = y * info.Width * channels;
            for (var x = 0; x < row.Length; x += bytesPerPixel, o += channels)
            {
                var value = ReadPixel(row[x..], bytesPerPixel);
                output[o] = red.Extract(value);
                output[o + 1] = green.Extract(value);
                output[o + 2] = blue.Extract(value);
                if (hasAlpha)
                {
                    output[o + 3] = alpha!.Extract(value);
                }
            }
        }

        return new ImageFrame(info.Width, info.Height, format, output);
    }

    private static uint ReadPixel(ReadOnlySpan<byte> bytes, int size) =>
        size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);

    private static int SourceRow(BmpInfo info, int y) => info.TopDown ? y : info.Height - 1 - y;

    private InvalidImageException Invalid(string reason) => ImageErrors.InvalidBmp(displayName, reason);

    private readonly record struct BmpMasks(uint Red, uint Green, uint Blue, uint Alpha);

    private sealed record BmpInfo(
        int Width,
        int Height,
        bool TopDown,
        int BitsPerPixel,
        int PaletteOffset,
        int PaletteEntrySize,
        int PaletteCount,
        BmpMasks Masks);

    /// <summary>One colour field of a 16/32-bit pixel and how to widen or narrow it to 8 bits.</summary>
    private sealed class BmpChannel(int shift, int bits)
    {
        public static BmpChannel? FromMask(uint mask)
        {
            if (mask == 0)
            {
                return new BmpChannel(0, 0);
            }

            var shift = BitOperations.TrailingZeroCount(mask);
            var bits = BitOperations.PopCount(mask);
            return (mask >> shift) == (1u << bits) - 1 || bits == 32 ? new BmpChannel(shift, bits) : null;
        }

        public byte Extract(uint pixel)
        {
            if (bits == 0)
            {
                return 0;
            }

            var value = (pixel >> shift) & (bits == 32 ? uint.MaxValue : (1u << bits) - 1);
            if (bits >= 8)
            {
                return (byte)(value >> (bits - 8));
            }

            // Narrow fields are widened by repeating their bits (5-bit 0b11000 -> 0b11000110), as ImageMagick does.
            var widened = 0u;
            var filled = 0;
            while (filled < 8)
            {
                widened = (widened << bits) | value;
                filled += bits;
            }

            return (byte)(widened >> (filled - 8));
        }
    }
}
