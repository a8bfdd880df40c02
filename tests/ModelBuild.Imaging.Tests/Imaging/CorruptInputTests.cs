using ModelBuild.Imaging;

namespace ModelBuild.Imaging.Tests.Imaging;

/// <summary>Damaged files must end in a decoded image or an <see cref="InvalidImageException"/>, never in another exception.</summary>
public sealed class CorruptInputTests
{
    public static TheoryData<string> Formats => new() { "png", "png-interlaced", "jpeg", "jpeg-restart", "jpeg-progressive", "bmp" };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Damaged_files_fail_only_with_image_diagnostics(string format)
    {
        var original = Sample(format);
        var random = new Random(format.Sum(c => c));
        for (var attempt = 0; attempt < 1500; attempt++)
        {
            var damaged = (byte[])original.Clone();
            var edits = 1 + random.Next(4);
            for (var e = 0; e < edits; e++)
            {
                damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            }

            var length = random.Next(4) == 0 ? random.Next(damaged.Length) : damaged.Length;
            try
            {
                ImageDecoder.Decode(damaged.AsSpan(0, length), "damaged");
            }
            catch (InvalidImageException)
            {
            }
            catch (Exception ex)
            {
                Assert.Fail($"Attempt {attempt} ({format}) threw {ex.GetType().Name}: {ex}");
            }
        }
    }

    private static byte[] Sample(string format)
    {
        switch (format)
        {
            case "png":
                return new PngBuilder(23, 17, 8, 6).WithRandomSamples(seed: 3).Build();
            case "png-interlaced":
                return new PngBuilder(23, 17, 4, 3) { Interlaced = true, Palette = new byte[48] }.WithRandomSamples(seed: 3).Build();
            case "jpeg":
                return new JpegBuilder(33, 19, (1, 2, 2), (2, 1, 1), (3, 1, 1)).Build();
            case "jpeg-progressive":
                var path = Path.Combine(Path.GetTempPath(), $"modelbuild-{Guid.NewGuid():N}.jpg");
                try
                {
                    ImageMagick.Convert(
                        "-seed",
                        "2",
                        "-size",
                        "29x21",
                        "plasma:fractal",
                        "-quality",
                        "85",
                        "-sampling-factor",
                        "4:2:0",
                        "-interlace",
                        "JPEG",
                        path);
                    return File.ReadAllBytes(path);
                }
                finally
                {
                    File.Delete(path);
                }

            case "jpeg-restart":
                return new JpegBuilder(33, 19, (1, 2, 1), (2, 1, 1), (3, 1, 1)) { RestartInterval = 2 }.Build();
            default:
                var pixels = new byte[(((23 * 3) + 3) & ~3) * 17];
                new Random(1).NextBytes(pixels);
                var header = new byte[54];
                header[0] = (byte)'B';
                header[1] = (byte)'M';
                BitConverter.TryWriteBytes(header.AsSpan(10), 54);
                BitConverter.TryWriteBytes(header.AsSpan(14), 40);
                BitConverter.TryWriteBytes(header.AsSpan(18), 23);
                BitConverter.TryWriteBytes(header.AsSpan(22), 17);
                BitConverter.TryWriteBytes(header.AsSpan(26), (short)1);
                BitConverter.TryWriteBytes(header.AsSpan(28), (short)24);
                return [.. header, .. pixels];
        }
    }
}
