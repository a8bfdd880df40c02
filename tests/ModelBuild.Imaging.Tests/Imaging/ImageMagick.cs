using System.Diagnostics;
using ModelBuild.Imaging;

namespace ModelBuild.Imaging.Tests.Imaging;

/// <summary>
/// Runs ImageMagick's <c>convert</c> to make test images and to decode them independently. Missing
/// ImageMagick fails the test (eng/test.sh installs it): a decoder test that silently skips proves nothing.
/// </summary>
internal static class ImageMagick
{
    private static readonly Lazy<string?> ConvertPath = new(FindConvert);

    /// <summary>Runs <c>convert</c> with <paramref name="arguments"/> and returns what it wrote to stdout.</summary>
    public static byte[] Convert(params string[] arguments)
    {
        var path = ConvertPath.Value;
        Assert.True(
            path is not null,
            ModelBuild.Tests.DebianPackage.ImageMagick.MissingMessage(
                "ImageMagick's 'convert' (the reference decoder the imaging tests compare against)"));
        var start = new ProcessStartInfo(path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var stdout = new MemoryStream();
        var errorTask = process.StandardError.ReadToEndAsync();
        process.StandardOutput.BaseStream.CopyTo(stdout);
        process.WaitForExit();
        var errors = errorTask.GetAwaiter().GetResult();
        Assert.True(process.ExitCode == 0, $"convert {string.Join(' ', arguments)} failed ({process.ExitCode}): {errors}");
        return stdout.ToArray();
    }

    /// <summary>ImageMagick's own decode of <paramref name="path"/> as 8-bit samples laid out as <paramref name="format"/>.</summary>
    public static byte[] DecodeRaw(string path, PixelFormat format)
    {
        var raw = format switch
        {
            PixelFormat.Gray8 => "gray:-",
            PixelFormat.Rgb24 => "rgb:-",
            _ => "rgba:-",
        };
        return Convert(path, "-depth", "8", raw);
    }

    private static string? FindConvert()
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(
            Path.PathSeparator,
            StringSplitOptions.RemoveEmptyEntries);
        return directories.Select(d => Path.Combine(d, "convert")).FirstOrDefault(File.Exists);
    }
}

/// <summary>A temporary folder for one test class's generated images, deleted afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "modelbuild-imaging-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>Pixel comparisons with messages that say where images differ.</summary>
internal static class PixelAssert
{
    /// <summary>Asserts every sample of <paramref name="frame"/> is within <paramref name="tolerance"/> of <paramref
    /// name="expected"/>.</summary>
    public static void Matches(byte[] expected, ImageFrame frame, int tolerance = 0)
    {
        var actual = frame.Pixels.Span;
        Assert.True(expected.Length == actual.Length, $"ImageMagick gave {expected.Length} bytes, the decoder {actual.Length} ({frame}).");
        var channels = frame.BytesPerPixel;
        var worst = 0;
        var mismatches = 0;
        var first = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = Math.Abs(expected[i] - actual[i]);
            worst = Math.Max(worst, difference);
            if (difference > tolerance)
            {
                mismatches++;
                if (first < 0)
                {
                    first = i;
                }
            }
        }

        if (mismatches > 0)
        {
            var pixel = first / channels;
            Assert.Fail($"{mismatches} samples differ by more than {tolerance} (worst {worst}); first at x={pixel % frame.Width}, " +
                $"y={pixel / frame.Width}, channel {first % channels}: expected {expected[first]}, decoded {actual[first]} ({frame}).");
        }
    }
}
