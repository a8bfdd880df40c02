namespace ModelBuild.Imaging.Png;

/// <summary>Reverses PNG filter method 0 (None, Sub, Up, Average, Paeth) on one scanline, in place.</summary>
internal static class PngScanlineFilter
{
    /// <summary>Returns false for an unknown filter type.</summary>
    /// <param name="filter">The scanline's filter-type byte.</param>
    /// <param name="row">The filtered bytes, replaced by the raw bytes.</param>
    /// <param name="previous">The previous raw scanline of the same pass, or empty for the first.</param>
    /// <param name="bpp">Bytes per complete pixel, at least 1.</param>
    public static bool Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> previous, int bpp)
    {
        switch (filter)
        {
            case 0:
                return true;
            case 1:
                for (var i = bpp; i < row.Length; i++)
                {
                    row[i] += row[i - bpp];
                }

                return true;
            case 2:
                if (!previous.IsEmpty)
                {
                    for (var i = 0; i < row.Length; i++)
                    {
                        row[i] += previous[i];
                    }
                }

                return true;
            case 3:
                UnfilterAverage(row, previous, bpp);
                return true;
            case 4:
                UnfilterPaeth(row, previous, bpp);
                return true;
            default:
                return false;
        }
    }

    private static void UnfilterAverage(Span<byte> row, ReadOnlySpan<byte> previous, int bpp)
    {
        if (previous.IsEmpty)
        {
            for (var i = bpp; i < row.Length; i++)
            {
                row[i] += (byte)(row[i - bpp] >> 1);
            }

            return;
        }

        var start = Math.Min(bpp, row.Length);
        for (var i = 0; i < start; i++)
        {
            row[i] += (byte)(previous[i] >> 1);
        }

        for (var i = bpp; i < row.Length; i++)
        {
            row[i] += (byte)((row[i - bpp] + previous[i]) >> 1);
        }
    }

    private static void UnfilterPaeth(Span<byte> row, ReadOnlySpan<byte> previous, int bpp)
    {
        if (previous.IsEmpty)
        {
            // With no row above, the predictor is always the left neighbour: the same as Sub.
            for (var i = bpp; i < row.Length; i++)
            {
                row[i] += row[i - bpp];
            }

            return;
        }

        var start = Math.Min(bpp, row.Length);
        for (var i = 0; i < start; i++)
        {
            row[i] += previous[i];
        }

        for (var i = bpp; i < row.Length; i++)
        {
            row[i] += Predict(row[i - bpp], previous[i], previous[i - bpp]);
        }
    }

    private static byte Predict(int left, int above, int upperLeft)
    {
        var estimate = left + above - upperLeft;
        var toLeft = Math.Abs(estimate - left);
        var toAbove = Math.Abs(estimate - above);
        var toUpperLeft = Math.Abs(estimate - upperLeft);
        if (toLeft <= toAbove && toLeft <= toUpperLeft)
        {
            return (byte)left;
        }

        return toAbove <= toUpperLeft ? (byte)above : (byte)upperLeft;
    }
}
