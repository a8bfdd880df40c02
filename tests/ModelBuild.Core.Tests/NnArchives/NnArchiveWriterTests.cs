using System.Security.Cryptography;
using ModelBuild.Core.NnArchives;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Tests;

namespace ModelBuild.Core.Tests.NnArchives;

/// <summary>
/// Our NN Archive is a .tar.xz as ModelConverter writes it: XZ Utils' own tools test and unpack it, our input side reads it
/// back, and the same files give the same bytes.
/// </summary>
public sealed class NnArchiveWriterTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_archive_is_named_and_compressed_as_ModelConverter_writes_it()
    {
        var archive = WriteTiny("a");

        Assert.EndsWith(".rvc4.tar.xz", archive, StringComparison.Ordinal);
        Assert.Equal(new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00 }, File.ReadAllBytes(archive)[..6]);
        var test = ProcessRunner.Run("xz", ["-t", "-v", archive]);
        Assert.True(test.Succeeded, test.Output);
        var list = ProcessRunner.Run("xz", ["--robot", "--list", archive]);
        Assert.True(list.Succeeded, list.Output);
        Assert.Contains("CRC64", list.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Tar_xJf_unpacks_the_model_buildinfo_and_config_byte_for_byte()
    {
        var archive = WriteTiny("a");
        var unpacked = _folder.Combine("unpacked");
        Directory.CreateDirectory(unpacked);

        var run = ProcessRunner.Run("tar", ["-xJf", archive, "-C", unpacked]);

        Assert.True(run.Succeeded, run.Output);
        Assert.Equal(TinyConvNet.Bytes(), File.ReadAllBytes(Path.Combine(unpacked, "tiny.onnx")));
        Assert.Equal("{\"tool\": \"test\"}", File.ReadAllText(Path.Combine(unpacked, "buildinfo.json")));
        Assert.Equal(NnArchiveFileTests.TinyConfig().ToJson(), File.ReadAllBytes(Path.Combine(unpacked, "config.json")));
        Assert.Equal("tiny.onnx\nbuildinfo.json\nconfig.json\n", ProcessRunner.Run("tar", ["-tJf", archive]).Output);
    }

    [Fact]
    public async Task Our_input_side_reads_the_archive_back()
    {
        var file = new NnArchiveFile(WriteTiny("a"));

        var config = file.ReadConfig();
        var model = await file.ReadMemberAsync(config.ModelPath, async stream =>
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        });

        Assert.Equal(NnArchiveFileTests.TinyConfig().ToJson(), config.ToJson());
        Assert.Equal(TinyConvNet.Bytes(), model);
    }

    [Fact]
    public void The_same_files_give_the_same_archive_bytes()
    {
        var first = WriteTiny("a");
        File.SetLastWriteTimeUtc(_folder.Combine("a/tiny.onnx"), DateTime.UtcNow.AddDays(-3));
        var second = WriteTiny("b");

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public void Data_larger_than_the_encoder_buffers_round_trips_through_xz()
    {
        // Compressible runs mixed with random blocks, several times the 64 KiB buffers, so every encoder loop path runs.
        var data = new byte[3_000_000];
        var random = new Random(20);
        for (var at = 0; at < data.Length; at += 50_000)
        {
            var block = data.AsSpan(at, Math.Min(50_000, data.Length - at));
            if (at / 50_000 % 2 == 0)
            {
                random.NextBytes(block);
            }
            else
            {
                block.Fill((byte)at);
            }
        }

        var path = _folder.Combine("data.xz");
        using (var output = File.Create(path))
        using (var xz = new XzEncoderStream(output, path))
        {
            xz.Write(data.AsSpan(0, 7));
            xz.Write(data.AsSpan(7));
        }

        Assert.True(ProcessRunner.Run("xz", ["-d", "-k", path]).Succeeded);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(File.ReadAllBytes(_folder.Combine("data"))));
        Assert.True(new FileInfo(path).Length < data.Length * 3 / 4, $"{new FileInfo(path).Length} bytes");
        using var read = new SharpCompress.Compressors.Xz.XZStream(File.OpenRead(path));
        using var back = new MemoryStream();
        read.CopyTo(back);
        Assert.Equal(data, back.ToArray());
    }

    [Fact]
    public void The_format_names_the_liblzma_that_encodes()
    {
        Assert.Matches(@"^tar\.xz \(liblzma \d+\.\d+\.\d+\)$", NnArchiveWriter.Format);
    }

    private string WriteTiny(string subfolder)
    {
        var folder = _folder.Combine(subfolder);
        Directory.CreateDirectory(folder);
        var model = Path.Combine(folder, "tiny.onnx");
        File.WriteAllBytes(model, TinyConvNet.Bytes());
        var buildInfo = Path.Combine(folder, "buildinfo.json");
        File.WriteAllText(buildInfo, "{\"tool\": \"test\"}");
        var archive = Path.Combine(folder, NnArchiveWriter.FileName("tinyarchive", "rvc4"));
        NnArchiveWriter.Write(archive, NnArchiveFileTests.TinyConfig(), [model, buildInfo]);
        return archive;
    }
}
