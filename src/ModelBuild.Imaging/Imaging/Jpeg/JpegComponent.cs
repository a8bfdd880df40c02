namespace ModelBuild.Imaging.Jpeg;

/// <summary>One colour component of a frame: its sampling, tables and decoded coefficients.</summary>
internal sealed class JpegComponent(int id, int horizontal, int vertical, int quantizationTable)
{
    public int Id { get; } = id;

    public int Horizontal { get; } = horizontal;

    public int Vertical { get; } = vertical;

    public int QuantizationTable { get; } = quantizationTable;

    /// <summary>Samples per row actually in the image: ceil(width · H / Hmax).</summary>
    public int Width { get; private set; }

    /// <summary>Rows actually in the image: ceil(height · V / Vmax).</summary>
    public int Height { get; private set; }

    /// <summary>Blocks per row stored, padded to whole MCUs.</summary>
    public int BlocksPerLine { get; private set; }

    /// <summary>Block rows stored, padded to whole MCUs.</summary>
    public int BlocksPerColumn { get; private set; }

    /// <summary>64 natural-order coefficients per block, block rows top to bottom.</summary>
    public short[] Coefficients { get; private set; } = [];

    public int DcPredictor { get; set; }

    public JpegHuffmanTable? DcTable { get; set; }

    public JpegHuffmanTable? AcTable { get; set; }

    public void Allocate(int imageWidth, int imageHeight, int maxHorizontal, int maxVertical, int mcusPerLine, int mcuRows)
    {
        Width = (int)(((long)imageWidth * Horizontal + maxHorizontal - 1) / maxHorizontal);
        Height = (int)(((long)imageHeight * Vertical + maxVertical - 1) / maxVertical);
        BlocksPerLine = mcusPerLine * Horizontal;
        BlocksPerColumn = mcuRows * Vertical;
        Coefficients = new short[(long)BlocksPerLine * BlocksPerColumn * 64];
    }

    public Span<short> Block(int row, int column) => Coefficients.AsSpan(((row * BlocksPerLine) + column) * 64, 64);
}
