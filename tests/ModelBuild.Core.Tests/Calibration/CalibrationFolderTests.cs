using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Toolchains;
using ModelBuild.Imaging.Preprocessing;

namespace ModelBuild.Core.Tests.Calibration;

public sealed class CalibrationFolderTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("a.jpg", CalibrationFileKind.Image)]
    [InlineData("a.JPEG", CalibrationFileKind.Image)]
    [InlineData("a.png", CalibrationFileKind.Image)]
    [InlineData("a.Bmp", CalibrationFileKind.Image)]
    [InlineData("a.npy", CalibrationFileKind.Npy)]
    [InlineData("a.NPY", CalibrationFileKind.Npy)]
    [InlineData("a.raw", CalibrationFileKind.Raw)]
    [InlineData("a.txt", CalibrationFileKind.Other)]
    [InlineData("npy", CalibrationFileKind.Other)]
    public void A_file_kind_comes_from_the_one_extension_list_in_any_case(string name, CalibrationFileKind kind) =>
        Assert.Equal(kind, CalibrationFolder.KindOf(name));

    [Fact]
    public void The_listing_keeps_exactly_the_files_whose_kind_is_known_sorted_by_name()
    {
        foreach (var name in new[] { "c.raw", "a.BMP", "b.npy", "notes.txt", "d.jpeg" })
        {
            File.WriteAllBytes(_folder.Combine(name), [0]);
        }

        var listing = CalibrationFolder.List(_folder.FullPath);

        Assert.Equal(["a.BMP", "b.npy", "c.raw", "d.jpeg"], listing.Files.Select(Path.GetFileName));
        Assert.Equal(["notes.txt"], listing.Skipped.Select(Path.GetFileName));
        Assert.All(listing.Files, f => Assert.NotEqual(CalibrationFileKind.Other, CalibrationFolder.KindOf(f)));
    }

    [Fact]
    public void The_vendor_samples_read_a_bmp_the_listing_accepts()
    {
        // 2×2 pixels, B G R per pixel as OpenCV (and the vendor tools) read them.
        byte[] pixels = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];
        BmpImageWriter.Write(_folder.Combine("sample.bmp"), pixels, 2, 2, 3);
        var input = new VendorInput(
            "x",
            [1, 3, 2, 2],
            "NCHW",
            TensorDataType.UInt8,
            null,
            null,
            new EncodingSpec(ColorEncoding.Bgr, ColorEncoding.Bgr),
            new ImageCalibration(new Located<string>(_folder.FullPath, new SourceLocation("m.yaml", 3, 5))),
            new SourceLocation("m.yaml", 3, 5),
            null);

        var sample = Assert.Single(CalibrationSamples.List(input, _folder.FullPath, "toolchain"));

        Assert.Equal(CalibrationFileKind.Image, sample.Kind);
        Assert.Equal(pixels, CalibrationSamples.ImageBytes(sample, input, "rvc2"));
    }
}
