using ModelBuild.Imaging;

namespace ModelBuild.Imaging.Tests.Imaging;

public sealed class ImageDecoderTests
{
    [Theory]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0 }, ImageFileFormat.Png)]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, ImageFileFormat.Jpeg)]
    [InlineData(new byte[] { 0x42, 0x4D, 0, 0 }, ImageFileFormat.Bmp)]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61 }, ImageFileFormat.Unknown)]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E }, ImageFileFormat.Unknown)]
    public void Format_is_recognised_by_signature(byte[] start, ImageFileFormat expected) =>
        Assert.Equal(expected, ImageDecoder.DetectFormat(start));

    [Fact]
    public void Unknown_format_names_the_file_and_its_first_bytes()
    {
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode("GIF89a\0\0\0"u8, "cat.gif"));

        Assert.Equal("MB8006", error.Code);
        Assert.Equal("cat.gif", error.DisplayName);
        Assert.Equal("MB8006: 'cat.gif' is not a PNG, JPEG or BMP image (it starts with bytes 4749463839610000)", error.Message);
    }

    [Fact]
    public void Empty_file_is_reported_as_empty()
    {
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode([], "empty.png"));

        Assert.Equal("MB8006: 'empty.png' is not a PNG, JPEG or BMP image (it starts with nothing: the file is empty)", error.Message);
    }

    [Fact]
    public void Oversized_dimensions_are_refused_before_allocating()
    {
        var bytes = new PngBuilder(1, 1, 8, 0) { Samples = [0] }.Build();
        // IHDR width := 100000, height := 100000 (with a fixed CRC); far beyond the pixel limit.
        bytes[16] = 0; bytes[17] = 0x01; bytes[18] = 0x86; bytes[19] = 0xA0;
        bytes[20] = 0; bytes[21] = 0x01; bytes[22] = 0x86; bytes[23] = 0xA0;
        var crc = PngBuilder.Crc(bytes[12..29]);
        bytes[29] = (byte)(crc >> 24); bytes[30] = (byte)(crc >> 16); bytes[31] = (byte)(crc >> 8); bytes[32] = (byte)crc;

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bytes, "huge.png"));

        Assert.Equal("MB8007: 'huge.png' is 100000x100000 pixels, more than the 134217728 pixels an image may have", error.Message);
    }

    [Fact]
    public void DecodeFile_names_the_path_in_errors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"modelbuild-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        try
        {
            var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.DecodeFile(path));
            Assert.Equal($"MB8004: '{path}' is truncated: the PNG data ends before the IHDR chunk", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
