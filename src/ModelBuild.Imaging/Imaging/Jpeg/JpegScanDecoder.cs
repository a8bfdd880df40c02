namespace ModelBuild.Imaging.Jpeg;

/// <summary>The parameters of one SOS segment.</summary>
internal sealed record JpegScan(
    JpegComponent[] Components,
    int SpectralStart,
    int SpectralEnd,
    int ApproximationHigh,
    int ApproximationLow);

/// <summary>
/// Decodes the Huffman-coded data of one scan into the components' coefficient blocks: sequential
/// (baseline/extended) scans and the four progressive kinds (DC first/refine, AC first/refine, T.81 G.1.2),
/// with restart intervals.
/// </summary>
internal sealed class JpegScanDecoder(string displayName, byte[] data, JpegFrame frame, int restartInterval, int scanNumber)
{
    private JpegBitReader _reader = null!;
    private int _endOfBandRun;

    /// <summary>Decodes the scan whose entropy-coded data starts at <paramref name="position"/>; returns where it stopped.</summary>
    public int Decode(JpegScan scan, int position)
    {
        _reader = new JpegBitReader(data, position);
        var decodeBlock = SelectBlockDecoder(scan);
        var single = scan.Components.Length == 1;
        var first = scan.Components[0];
        var blocksWide = (first.Width + 7) / 8;
        var units = single ? blocksWide * ((first.Height + 7) / 8) : frame.McusPerLine * frame.McuRows;
        var restarts = 0;
        for (var unit = 0; unit < units; unit++)
        {
            if (restartInterval > 0 && unit > 0 && unit % restartInterval == 0)
            {
                Restart(scan, restarts++);
            }

            if (single)
            {
                decodeBlock(first, first.Block(unit / blocksWide, unit % blocksWide));
                continue;
            }

            var mcuRow = unit / frame.McusPerLine;
            var mcuColumn = unit % frame.McusPerLine;
            foreach (var component in scan.Components)
            {
                for (var v = 0; v < component.Vertical; v++)
                {
                    for (var h = 0; h < component.Horizontal; h++)
                    {
                        decodeBlock(component, component.Block((mcuRow * component.Vertical) + v, (mcuColumn * component.Horizontal) + h));
                    }
                }
            }
        }

        CheckNotPastEnd();
        return _reader.Position;
    }

    private delegate void BlockDecoder(JpegComponent component, Span<short> block);

    private BlockDecoder SelectBlockDecoder(JpegScan scan)
    {
        if (!frame.Progressive)
        {
            return DecodeSequential;
        }

        var low = scan.ApproximationLow;
        if (scan.SpectralStart == 0)
        {
            return scan.ApproximationHigh == 0 ? (c, b) => DecodeDcFirst(c, b, low) : (_, b) => DecodeDcRefine(b, low);
        }

        int start = scan.SpectralStart, end = scan.SpectralEnd;
        return scan.ApproximationHigh == 0
            ? (c, b) => DecodeAcFirst(c, b, start, end, low)
            : (c, b) => DecodeAcRefine(c, b, start, end, low);
    }

    private void DecodeSequential(JpegComponent component, Span<short> block)
    {
        var zigZag = JpegZigZag.ToNatural;
        component.DcPredictor += DecodeDcDifference(component);
        block[0] = (short)component.DcPredictor;
        for (var k = 1; k < 64; k++)
        {
            var symbol = DecodeSymbol(component.AcTable!);
            int run = symbol >> 4, size = symbol & 15;
            if (size == 0)
            {
                if (run != 15)
                {
                    break; // end of block
                }

                k += 15;
                continue;
            }

            k += run;
            block[zigZag[k]] = (short)_reader.ReceiveExtend(size);
        }
    }

    private void DecodeDcFirst(JpegComponent component, Span<short> block, int low)
    {
        component.DcPredictor += DecodeDcDifference(component);
        block[0] = (short)(component.DcPredictor << low);
    }

    private void DecodeDcRefine(Span<short> block, int low)
    {
        if (_reader.ReadBit() != 0)
        {
            block[0] |= (short)(1 << low);
        }
    }

    private void DecodeAcFirst(JpegComponent component, Span<short> block, int start, int end, int low)
    {
        if (_endOfBandRun > 0)
        {
            _endOfBandRun--;
            return;
        }

        var zigZag = JpegZigZag.ToNatural;
        for (var k = start; k <= end; k++)
        {
            var symbol = DecodeSymbol(component.AcTable!);
            int run = symbol >> 4, size = symbol & 15;
            if (size == 0)
            {
                if (run == 15)
                {
                    k += 15;
                    continue;
                }

                // EOBn: this block and the next 2^run - 1 + (run extra bits) blocks end here.
                _endOfBandRun = (1 << run) - 1 + _reader.ReadBits(run);
                break;
            }

            k += run;
            block[zigZag[k]] = (short)(_reader.ReceiveExtend(size) << low);
        }
    }

    private void DecodeAcRefine(JpegComponent component, Span<short> block, int start, int end, int low)
    {
        var zigZag = JpegZigZag.ToNatural;
        var plus = 1 << low;
        var minus = -1 << low;
        var k = start;
        if (_endOfBandRun == 0)
        {
            for (; k <= end; k++)
            {
                var symbol = DecodeSymbol(component.AcTable!);
                int run = symbol >> 4, size = symbol & 15;
                var newValue = 0;
                if (size != 0)
                {
                    // A newly significant coefficient is always ±1 at this bit position (size 1).
                    newValue = _reader.ReadBit() != 0 ? plus : minus;
                }
                else if (run != 15)
                {
                    _endOfBandRun = (1 << run) + _reader.ReadBits(run);
                    break;
                }

                // Walk over coefficients: already non-zero ones get a correction bit; zero ones count down the run.
                for (; k <= end; k++)
                {
                    var index = zigZag[k];
                    if (block[index] != 0)
                    {
                        Refine(block, index, plus, minus);
                    }
                    else if (run-- == 0)
                    {
                        break;
                    }
                }

                if (newValue != 0)
                {
                    block[zigZag[k]] = (short)newValue;
                }
            }
        }

        if (_endOfBandRun > 0)
        {
            for (; k <= end; k++)
            {
                var index = zigZag[k];
                if (block[index] != 0)
                {
                    Refine(block, index, plus, minus);
                }
            }

            _endOfBandRun--;
        }
    }

    private void Refine(Span<short> block, int index, int plus, int minus)
    {
        if (_reader.ReadBit() != 0 && (block[index] & plus) == 0)
        {
            block[index] += (short)(block[index] >= 0 ? plus : minus);
        }
    }

    private int DecodeDcDifference(JpegComponent component)
    {
        var category = DecodeSymbol(component.DcTable!);
        if (category > 16)
        {
            throw ImageErrors.InvalidJpeg(displayName, $"scan {scanNumber} has the DC difference category {category}; at most 16 exist");
        }

        return _reader.ReceiveExtend(category);
    }

    private int DecodeSymbol(JpegHuffmanTable table)
    {
        var symbol = table.Decode(_reader);
        if (symbol < 0)
        {
            CheckNotPastEnd();
            throw ImageErrors.InvalidJpeg(displayName, $"scan {scanNumber} holds a bit pattern that is no Huffman code of its tables");
        }

        return symbol;
    }

    private void Restart(JpegScan scan, int restartsDone)
    {
        CheckNotPastEnd();
        var position = JpegDecoder.FindMarker(data, _reader.Position);
        var expected = 0xD0 + (restartsDone & 7);
        if (position + 1 >= data.Length)
        {
            throw ImageErrors.Truncated(
                displayName,
                "JPEG",
                $"inside scan {scanNumber}, where restart marker RST{restartsDone & 7} should follow");
        }

        if (data[position + 1] != expected)
        {
            throw ImageErrors.InvalidJpeg(
                displayName,
                $"scan {scanNumber} has marker 0x{data[position + 1]:X2} where restart marker RST{restartsDone & 7} belongs");
        }

        _reader = new JpegBitReader(data, position + 2);
        _endOfBandRun = 0;
        foreach (var component in scan.Components)
        {
            component.DcPredictor = 0;
        }
    }

    private void CheckNotPastEnd()
    {
        if (!_reader.ReadPastEnd)
        {
            return;
        }

        if (_reader.Position >= data.Length)
        {
            throw ImageErrors.Truncated(displayName, "JPEG", $"inside scan {scanNumber}, before its last block");
        }

        throw ImageErrors.InvalidJpeg(displayName, $"the data of scan {scanNumber} stops at a marker before its last block");
    }
}
