namespace ModelBuild.Imaging.Jpeg;

/// <summary>
/// Decodes JPEG files (ITU T.81 with JFIF or Adobe APP14): baseline and extended sequential and progressive
/// Huffman coding, 8-bit samples, 1 (grey), 3 (YCbCr or RGB) or 4 (CMYK or YCCK) components, any integral
/// chroma subsampling, restart intervals. Arithmetic coding, 12-bit samples, lossless and hierarchical
/// files are refused as not supported. Pixels agree with libjpeg-turbo's defaults (islow IDCT, fancy
/// upsampling), which is what ImageMagick and OpenCV use.
/// </summary>
internal sealed class JpegDecoder(string displayName)
{
    private readonly int[][] _quantization = new int[4][];
    private readonly JpegHuffmanTable?[] _dcTables = new JpegHuffmanTable?[4];
    private readonly JpegHuffmanTable?[] _acTables = new JpegHuffmanTable?[4];
    private JpegFrame? _frame;
    private int _restartInterval;
    private bool _sawJfif;
    private int _adobeTransform = -1;
    private int _scans;

    public ImageFrame Decode(ReadOnlySpan<byte> input)
    {
        var data = input.ToArray();
        var position = 2;
        while (true)
        {
            position = FindMarker(data, position);
            if (position + 1 >= data.Length)
            {
                if (_scans > 0)
                {
                    break; // a missing EOI after complete scans is harmless
                }

                throw ImageErrors.Truncated(
                    displayName,
                    "JPEG",
                    _frame is null ? "before the frame header (SOF)" : "before the first scan (SOS)");
            }

            var marker = data[position + 1];
            position += 2;
            if (marker == 0xD9)
            {
                break;
            }

            if (marker is >= 0xD0 and <= 0xD7 or 0x01)
            {
                continue; // stray RSTn or TEM: no segment follows
            }

            if (marker == 0xD8)
            {
                throw Invalid("it has a second start-of-image marker (SOI)");
            }

            if (data.Length - position < 2)
            {
                throw ImageErrors.Truncated(displayName, "JPEG", $"inside the {MarkerName(marker)} segment");
            }

            var length = (data[position] << 8) | data[position + 1];
            if (length < 2)
            {
                throw Invalid($"its {MarkerName(marker)} segment has the length {length}");
            }

            if (data.Length - position < length)
            {
                throw ImageErrors.Truncated(displayName, "JPEG", $"inside the {MarkerName(marker)} segment at byte {position - 2}");
            }

            var segment = data.AsSpan(position + 2, length - 2);
            position += length;
            switch (marker)
            {
                case 0xC0 or 0xC1 or 0xC2:
                    ReadFrameHeader(segment, progressive: marker == 0xC2);
                    break;
                case 0xC3:
                    throw ImageErrors.Unsupported(displayName, "JPEG", "lossless coding (SOF3)");
                case 0xC5 or 0xC6 or 0xC7:
                    throw ImageErrors.Unsupported(displayName, "JPEG", "hierarchical coding");
                case 0xC9 or 0xCA or 0xCB or 0xCC or 0xCD or 0xCE or 0xCF:
                    throw ImageErrors.Unsupported(displayName, "JPEG", "arithmetic coding");
                case 0xC8 or 0xF7:
                    throw ImageErrors.Unsupported(displayName, "JPEG", $"the {MarkerName(marker)} extension");
                case 0xC4:
                    ReadHuffmanTables(segment);
                    break;
                case 0xDB:
                    ReadQuantizationTables(segment);
                    break;
                case 0xDD:
                    _restartInterval = segment.Length >= 2 ? (segment[0] << 8) | segment[1] : throw Invalid("its DRI segment is too short");
                    break;
                case 0xDC:
                    throw ImageErrors.Unsupported(displayName, "JPEG", "a height given later by a DNL marker");
                case 0xE0:
                    _sawJfif |= segment.StartsWith("JFIF\0"u8);
                    break;
                case 0xEE:
                    if (segment.Length >= 12 && segment.StartsWith("Adobe"u8))
                    {
                        _adobeTransform = segment[11];
                    }

                    break;
                case 0xDA:
                    position = ReadScan(data, segment, position);
                    break;
                default:
                    break; // APPn, COM and other segments carry nothing the pixels depend on
            }
        }

        if (_frame is null)
        {
            throw Invalid("it has no frame header (SOF)");
        }

        if (_scans == 0)
        {
            throw Invalid("it has no scan (SOS)");
        }

        for (var i = 0; i < _frame.Components.Length; i++)
        {
            if (_quantization[_frame.Components[i].QuantizationTable] is null)
            {
                throw Invalid($"component {_frame.Components[i].Id} uses quantisation table {_frame.Components[i].QuantizationTable}, " +
                    $"which is not defined");
            }
        }

        return new JpegRenderer(_frame, _quantization, ColorModel()).Render();
    }

    /// <summary>The position of the next marker (an <c>FF</c> followed by neither <c>00</c> nor <c>FF</c>) at or after <paramref
    /// name="position"/>, or the end.</summary>
    public static int FindMarker(byte[] data, int position)
    {
        while (position + 1 < data.Length)
        {
            if (data[position] == 0xFF && data[position + 1] != 0x00 && data[position + 1] != 0xFF)
            {
                return position;
            }

            position++;
        }

        return data.Length;
    }

    private void ReadFrameHeader(ReadOnlySpan<byte> segment, bool progressive)
    {
        if (_frame is not null)
        {
            throw Invalid("it has more than one frame header (SOF)");
        }

        if (segment.Length < 6)
        {
            throw Invalid("its frame header (SOF) is too short");
        }

        if (segment[0] != 8)
        {
            throw ImageErrors.Unsupported(displayName, "JPEG", $"{segment[0]}-bit samples");
        }

        var height = (segment[1] << 8) | segment[2];
        var width = (segment[3] << 8) | segment[4];
        int count = segment[5];
        if (width == 0)
        {
            throw Invalid("its frame header gives the width 0");
        }

        if (height == 0)
        {
            throw ImageErrors.Unsupported(displayName, "JPEG", "a height given later by a DNL marker");
        }

        if (count is not (1 or 3 or 4))
        {
            throw ImageErrors.Unsupported(displayName, "JPEG", $"{count} colour components");
        }

        if (segment.Length < 6 + (3 * count))
        {
            throw Invalid("its frame header (SOF) is too short for its components");
        }

        ImageErrors.CheckSize(displayName, width, height);
        var components = new JpegComponent[count];
        for (var i = 0; i < count; i++)
        {
            var c = segment.Slice(6 + (3 * i), 3);
            int horizontal = c[1] >> 4, vertical = c[1] & 15;
            if (horizontal is < 1 or > 4 || vertical is < 1 or > 4 || c[2] > 3)
            {
                throw Invalid($"component {c[0]} has sampling factors {horizontal}x{vertical} or quantisation table {c[2]} out of range");
            }

            components[i] = new JpegComponent(c[0], horizontal, vertical, c[2]);
        }

        var maxH = components.Max(c => c.Horizontal);
        var maxV = components.Max(c => c.Vertical);
        if (components.Any(c => maxH % c.Horizontal != 0 || maxV % c.Vertical != 0))
        {
            throw ImageErrors.Unsupported(displayName, "JPEG", "non-integral chroma subsampling ratios");
        }

        _frame = new JpegFrame(width, height, progressive, components);
    }

    private void ReadHuffmanTables(ReadOnlySpan<byte> segment)
    {
        while (!segment.IsEmpty)
        {
            if (segment.Length < 17)
            {
                throw Invalid("its DHT segment is too short");
            }

            int kind = segment[0] >> 4, slot = segment[0] & 15;
            if (kind > 1 || slot > 3)
            {
                throw Invalid($"its DHT segment defines table class {kind} slot {slot}");
            }

            var counts = segment.Slice(1, 16);
            var total = 0;
            foreach (var count in counts)
            {
                total += count;
            }

            if (total > 256 || segment.Length < 17 + total)
            {
                throw Invalid($"its DHT segment lists {total} symbols for table {slot}, more than it holds");
            }

            var table = JpegHuffmanTable.Create(counts, segment.Slice(17, total))
                ?? throw Invalid($"Huffman table {slot} ({(kind == 0 ? "DC" : "AC")}) has more codes than its lengths allow");
            (kind == 0 ? _dcTables : _acTables)[slot] = table;
            segment = segment[(17 + total)..];
        }
    }

    private void ReadQuantizationTables(ReadOnlySpan<byte> segment)
    {
        var zigZag = JpegZigZag.ToNatural;
        while (!segment.IsEmpty)
        {
            int precision = segment[0] >> 4, slot = segment[0] & 15;
            var size = precision == 0 ? 64 : 128;
            if (precision > 1 || slot > 3 || segment.Length < 1 + size)
            {
                throw Invalid($"its DQT segment is malformed (precision {precision}, slot {slot})");
            }

            var table = new int[64];
            for (var k = 0; k < 64; k++)
            {
                table[zigZag[k]] = precision == 0 ? segment[1 + k] : (segment[1 + (2 * k)] << 8) | segment[2 + (2 * k)];
            }

            _quantization[slot] = table;
            segment = segment[(1 + size)..];
        }
    }

    private int ReadScan(byte[] data, ReadOnlySpan<byte> segment, int position)
    {
        if (_frame is null)
        {
            throw Invalid("a scan (SOS) comes before the frame header (SOF)");
        }

        int count = segment.IsEmpty ? 0 : segment[0];
        if (count is < 1 or > 4 || segment.Length < 4 + (2 * count))
        {
            throw Invalid("its scan header (SOS) is malformed");
        }

        var components = new JpegComponent[count];
        for (var i = 0; i < count; i++)
        {
            int id = segment[1 + (2 * i)], tables = segment[2 + (2 * i)];
            var component = Array.Find(_frame.Components, c => c.Id == id)
                ?? throw Invalid($"a scan refers to component {id}, which the frame does not have");
            component.DcTable = _dcTables[(tables >> 4) & 3];
            component.AcTable = _acTables[tables & 3];
            components[i] = component;
        }

        var parameters = segment.Slice(1 + (2 * count), 3);
        var scan = new JpegScan(components, parameters[0], parameters[1], parameters[2] >> 4, parameters[2] & 15);
        ValidateScan(scan);
        _scans++;
        return new JpegScanDecoder(displayName, data, _frame, _restartInterval, _scans).Decode(scan, position);
    }

    private void ValidateScan(JpegScan scan)
    {
        var progressive = _frame!.Progressive;
        var needsDc = !progressive || (scan.SpectralStart == 0 && scan.ApproximationHigh == 0);
        var needsAc = !progressive || scan.SpectralStart > 0;
        if (progressive)
        {
            var valid = scan.SpectralStart <= scan.SpectralEnd && scan.SpectralEnd <= 63 && scan.ApproximationLow <= 13
                && (scan.SpectralStart == 0 ? scan.SpectralEnd == 0 : scan.Components.Length == 1);
            if (!valid)
            {
                throw Invalid($"progressive scan {_scans + 1} has invalid parameters (Ss={scan.SpectralStart}, Se={scan.SpectralEnd}, " +
                    $"Ah={scan.ApproximationHigh}, Al={scan.ApproximationLow})");
            }
        }

        foreach (var component in scan.Components)
        {
            if ((needsDc && component.DcTable is null) || (needsAc && component.AcTable is null))
            {
                throw Invalid($"scan {_scans + 1} uses a Huffman table that is not defined");
            }
        }
    }

    /// <summary>As libjpeg decides: JFIF means YCbCr; else Adobe's transform flag; else component ids 'R','G','B' mean RGB.</summary>
    private JpegColorModel ColorModel()
    {
        var components = _frame!.Components;
        return components.Length switch
        {
            1 => JpegColorModel.Gray,
            3 when _sawJfif => JpegColorModel.YCbCr,
            3 when _adobeTransform >= 0 => _adobeTransform == 0 ? JpegColorModel.Rgb : JpegColorModel.YCbCr,
            3 when components[0].Id == 'R' && components[1].Id == 'G' && components[2].Id == 'B' => JpegColorModel.Rgb,
            3 => JpegColorModel.YCbCr,
            _ => _adobeTransform == 2 ? JpegColorModel.Ycck : JpegColorModel.Cmyk,
        };
    }

    private InvalidImageException Invalid(string reason) => ImageErrors.InvalidJpeg(displayName, reason);

    private static string MarkerName(byte marker) => marker switch
    {
        0xC4 => "DHT",
        0xDB => "DQT",
        0xDA => "SOS",
        0xDD => "DRI",
        >= 0xC0 and <= 0xCF => $"SOF{marker - 0xC0}",
        >= 0xE0 and <= 0xEF => $"APP{marker - 0xE0}",
        0xFE => "COM",
        _ => $"0xFF{marker:X2}",
    };
}
