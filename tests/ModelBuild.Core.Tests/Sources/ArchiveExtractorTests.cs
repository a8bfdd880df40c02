using System.Formats.Tar;
using System.IO.Compression;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Sources;

public sealed class ArchiveExtractorTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();

    public void Dispose() => _root.Dispose();

    private string Output => _root.Combine("out");

    private string Zip(params (string Name, byte[] Bytes)[] entries)
    {
        var path = _root.Combine(Guid.NewGuid().ToString("N") + ".zip");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in entries)
        {
            using var stream = zip.CreateEntry(name).Open();
            stream.Write(bytes);
        }

        return path;
    }

    private string TarGz(params TarEntry[] entries)
    {
        var path = _root.Combine(Guid.NewGuid().ToString("N") + ".tar.gz");
        using var file = System.IO.File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var writer = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var entry in entries)
        {
            writer.WriteEntry(entry);
        }

        return path;
    }

    private static PaxTarEntry File(string name, byte[] bytes)
        => new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) };

    private async Task<DiagnosticException> Refused(string archive, ArchiveFormat format, ArchiveLimits? limits = null)
    {
        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => new ArchiveExtractor(limits ?? ArchiveLimits.Default).ExtractAsync(archive, format, Output));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Output));
        Assert.False(System.IO.File.Exists(_root.Combine("evil.txt")));
        return error;
    }

    [Fact]
    public async Task A_zip_and_a_tar_gz_unpack_their_folders_and_files()
    {
        var fromZip = await new ArchiveExtractor().ExtractAsync(
            Zip(("model/a.onnx", [1, 2]), ("model/sub/b.txt", [3])),
            ArchiveFormat.Zip,
            Output);
        var fromTar = await new ArchiveExtractor().ExtractAsync(TarGz(File("./weights/c.bin", [4, 5, 6])), ArchiveFormat.TarGz, Output);

        Assert.Equal(["model/a.onnx", "model/sub/b.txt"], fromZip);
        Assert.Equal(["weights/c.bin"], fromTar);
        Assert.Equal([4, 5, 6], await System.IO.File.ReadAllBytesAsync(Path.Combine(Output, "weights", "c.bin")));
        Assert.Equal(["model/a.onnx", "model/sub/b.txt", "weights/c.bin"], _root.FilesUnder("out").Select(f => f.Replace('\\', '/')));
    }

    [Theory]
    [InlineData("../evil.txt", "'..' part")]
    [InlineData("model/../../evil.txt", "'..' part")]
    [InlineData("/tmp/evil.txt", "absolute path")]
    [InlineData("C:/evil.txt", "absolute path")]
    public async Task Zip_slip_entries_are_MB2060_and_nothing_is_extracted(string name, string reason)
    {
        var error = await Refused(Zip(("good.txt", [1]), (name, [2])), ArchiveFormat.Zip);

        Assert.Equal("MB2060", error.Diagnostic.Code);
        Assert.Contains(reason, error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tar_slip_entries_are_MB2060()
    {
        var error = await Refused(TarGz(File("ok.bin", [1]), File("../evil.txt", [2])), ArchiveFormat.TarGz);

        Assert.Equal("MB2060", error.Diagnostic.Code);
    }

    [Fact]
    public async Task A_link_that_escapes_is_MB2060()
    {
        var link = new PaxTarEntry(TarEntryType.SymbolicLink, "data") { LinkName = "../../etc" };

        var error = await Refused(TarGz(link, File("data/passwd", [1])), ArchiveFormat.TarGz);

        Assert.Equal("MB2060", error.Diagnostic.Code);
        Assert.Contains("outside the folder", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_written_through_a_link_inside_the_folder_is_refused()
    {
        var link = new PaxTarEntry(TarEntryType.SymbolicLink, "alias") { LinkName = "real" };

        var error = await Refused(
            TarGz(new PaxTarEntry(TarEntryType.Directory, "real"), link, File("alias/x.bin", [1])),
            ArchiveFormat.TarGz);

        Assert.Contains("through a link", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_decompression_bomb_stops_at_the_ratio_limit_with_MB2061()
    {
        var limits = ArchiveLimits.Default with { RatioFloorBytes = 1 << 20 };

        var error = await Refused(Zip(("zeros.bin", new byte[8 << 20])), ArchiveFormat.Zip, limits);

        Assert.Equal("MB2061", error.Diagnostic.Code);
        Assert.Contains("times its own size", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Total_size_and_entry_count_limits_are_MB2061()
    {
        var bytes = await Refused(
            Zip(("a.bin", new byte[3000]), ("b.bin", new byte[3000])),
            ArchiveFormat.Zip,
            new ArchiveLimits(5000, 100, 1e9));
        var entries = await Refused(Zip(("a", [1]), ("b", [1]), ("c", [1])), ArchiveFormat.Zip, new ArchiveLimits(1 << 20, 2, 1e9));

        Assert.Equal("MB2061", bytes.Diagnostic.Code);
        Assert.Equal("MB2061", entries.Diagnostic.Code);
    }

    [Fact]
    public async Task A_file_that_is_not_an_archive_is_MB2062()
    {
        var path = _root.Combine("fake.zip");
        await System.IO.File.WriteAllTextAsync(path, "<html>not found</html>");

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => new ArchiveExtractor().ExtractAsync(path, ArchiveFormat.Zip, Output));

        Assert.Equal("MB2062", error.Diagnostic.Code);
    }

    [Fact]
    public async Task Diagnostics_name_the_display_name_when_one_is_given_not_the_blob_file()
    {
        var path = _root.Combine("0123abcd");
        await System.IO.File.WriteAllTextAsync(path, "<html>not found</html>");

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => new ArchiveExtractor().ExtractAsync(path, ArchiveFormat.Zip, Output, displayName: "coco128.zip"));

        Assert.Equal("MB2062", error.Diagnostic.Code);
        Assert.Contains("coco128.zip", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0123abcd", error.Diagnostic.Message, StringComparison.Ordinal);
    }
}
