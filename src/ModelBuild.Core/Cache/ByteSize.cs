using System.Globalization;

namespace ModelBuild.Core.Cache;

/// <summary>
/// Sizes as people write them in properties and options: a number of bytes, or a number with a unit
/// (<c>500MB</c>, <c>10GiB</c>, <c>1.5G</c>). Decimal units (KB, MB, GB, TB) are powers of 1000, binary
/// ones (KiB, MiB, GiB, TiB, and the bare K, M, G, T) powers of 1024.
/// </summary>
public static class ByteSize
{
    private static readonly (string Unit, long Factor)[] Units =
    [
        ("TIB", 1L << 40), ("GIB", 1L << 30), ("MIB", 1L << 20), ("KIB", 1L << 10),
        ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000),
        ("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10),
        ("B", 1),
    ];

    /// <summary>Parses a size; false for text that is not one (negative, empty, an unknown unit).</summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        var trimmed = text?.Trim().Replace("_", "", StringComparison.Ordinal);
        if (string.IsNullOrEmpty(trimmed))
        {
            return false;
        }

        long factor = 1;
        var number = trimmed;
        foreach (var (unit, unitFactor) in Units)
        {
            if (trimmed.EndsWith(unit, StringComparison.OrdinalIgnoreCase))
            {
                factor = unitFactor;
                number = trimmed[..^unit.Length].TrimEnd();
                break;
            }
        }

        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || value > long.MaxValue / (decimal)factor)
        {
            return false;
        }

        bytes = (long)decimal.Round(value * factor);
        return true;
    }

    /// <summary><c>812 B</c>, <c>3.4 MiB</c>, <c>10 GiB</c>: binary units, at most one decimal.</summary>
    public static string Format(long bytes)
    {
        string[] names = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var index = 0;
        while (Math.Abs(value) >= 1024 && index < names.Length - 1)
        {
            value /= 1024;
            index++;
        }

        return index == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {names[index]}");
    }
}
