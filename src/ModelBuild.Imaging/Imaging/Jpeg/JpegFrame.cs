namespace ModelBuild.Imaging.Jpeg;

/// <summary>The colour model of a frame's components, decided as libjpeg decides it.</summary>
internal enum JpegColorModel
{
    Gray,
    YCbCr,
    Rgb,
    Cmyk,
    Ycck,
}

/// <summary>A frame (SOFn): size, components and the MCU grid they share.</summary>
internal sealed class JpegFrame
{
    public JpegFrame(int width, int height, bool progressive, JpegComponent[] components)
    {
        Width = width;
        Height = height;
        Progressive = progressive;
        Components = components;
        foreach (var component in components)
        {
            MaxHorizontal = Math.Max(MaxHorizontal, component.Horizontal);
            MaxVertical = Math.Max(MaxVertical, component.Vertical);
        }

        McusPerLine = (width + (8 * MaxHorizontal) - 1) / (8 * MaxHorizontal);
        McuRows = (height + (8 * MaxVertical) - 1) / (8 * MaxVertical);
        foreach (var component in components)
        {
            component.Allocate(width, height, MaxHorizontal, MaxVertical, McusPerLine, McuRows);
        }
    }

    public int Width { get; }

    public int Height { get; }

    public bool Progressive { get; }

    public JpegComponent[] Components { get; }

    public int MaxHorizontal { get; }

    public int MaxVertical { get; }

    public int McusPerLine { get; }

    public int McuRows { get; }
}
