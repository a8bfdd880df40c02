using System.Globalization;
using ModelBuild.Tests;

namespace ModelBuild.Core.Tests.Quantization;

/// <summary>
/// Renders text with ImageMagick and the DejaVu fonts: single lines fitted to the image as a text detector's
/// crop would be (optionally every other pair upside down), and pages of several lines. Content, fonts, sizes and colours follow from the
/// image's number, so the same
/// numbers always give the same images.
/// </summary>
internal static class TextImages
{
    private static readonly string[] Words =
    [
        "invoice", "total", "amount", "paid", "receipt", "order", "number", "date", "customer", "address", "phone",
        "street", "city", "quantity", "price", "tax", "shipping", "balance", "due", "account", "reference", "payment",
        "method", "card", "bank", "transfer", "hello", "world", "model", "build", "delivery", "station", "market",
    ];

    private static readonly string[] Fonts
        = ["DejaVu-Sans", "DejaVu-Serif", "DejaVu-Sans-Mono", "DejaVu-Sans-Bold", "DejaVu-Sans-Condensed", "DejaVu-Serif-Bold"];

    /// <summary>Line images <paramref name="first"/>..<paramref name="first"/>+<paramref name="count"/>−1 as <c>0000.png</c>...; returns
    /// the paths in order.</summary>
    public static IReadOnlyList<string> Lines(string folder, int first, int count, int width, int height, bool upsideDownPairs = false)
    {
        Directory.CreateDirectory(folder);
        var paths = Enumerable.Range(first, count)
            .Select(i => Path.Combine(folder, i.ToString("D4", CultureInfo.InvariantCulture) + ".png"))
            .ToList();
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k =>
        {
            var i = first + k;
            var rotation = upsideDownPairs && i / 2 % 2 == 1 ? "180" : "0";
            // label: picks the point size that fits the text into the box; a 4-pixel margin is left around it.
            Convert(
                "-background", Background(i), "-fill", Ink(i), "-font", Fonts[i % Fonts.Length],
                "-size", $"{width - 8}x{height - 8}", "-gravity", "center", $"label:{Text(i, 2)}",
                "-extent", $"{width}x{height}", "-rotate", rotation, paths[k]);
        });
        return paths;
    }

    /// <summary>Whether line <paramref name="index"/> was rendered upside down by <see cref="Lines"/> with pairs.</summary>
    public static bool IsUpsideDown(int index) => index / 2 % 2 == 1;

    /// <summary>Square pages of five to eight lines of text at different sizes and places.</summary>
    public static IReadOnlyList<string> Pages(string folder, int first, int count, int size)
    {
        Directory.CreateDirectory(folder);
        var paths = Enumerable.Range(first, count)
            .Select(i => Path.Combine(folder, i.ToString("D4", CultureInfo.InvariantCulture) + ".png"))
            .ToList();
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k =>
        {
            var i = first + k;
            var arguments = new List<string> { "-size", $"{size}x{size}", $"xc:{Background(i)}", "-fill", Ink(i) };
            var lines = 5 + (i % 4);
            for (var line = 0; line < lines; line++)
            {
                var n = (i * 11) + line;
                arguments.AddRange(["-font", Fonts[n % Fonts.Length], "-pointsize", (14 + (n % 9)).ToString(CultureInfo.InvariantCulture)]);
                arguments.AddRange(["-annotate", string.Create(
                    CultureInfo.InvariantCulture,
                    $"+{8 + (n * 7 % 60)}+{30 + (line * (size - 40) / lines)}"), Text(n, 2 + (n % 3))]);
            }

            arguments.Add(paths[k]);
            Convert([.. arguments]);
        });
        return paths;
    }

    private static string Text(int seed, int words) =>
        string.Join(' ', Enumerable.Range(0, words).Select(w => Words[((seed * 7) + (w * 13) + 3) % Words.Length])) + " "
            + (seed * 37 % 1000).ToString(CultureInfo.InvariantCulture);

    private static string Background(int i)
        => string.Create(CultureInfo.InvariantCulture, $"rgb({230 + (i % 25)},{225 + (i % 30)},{220 + (i % 35)})");

    private static string Ink(int i) => string.Create(CultureInfo.InvariantCulture, $"rgb({i % 60},{i * 3 % 60},{i * 7 % 80})");

    private static void Convert(params string[] arguments)
    {
        DebianPackage.ImageMagick.Require("/usr/bin/convert");
        DebianPackage.DejaVuFonts.Require("/usr/share/fonts/truetype/dejavu");
        var result = ProcessRunner.Run("convert", arguments);
        Assert.True(result.Succeeded, "ImageMagick's convert failed: " + result.Output);
    }
}
