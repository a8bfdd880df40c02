using System.Text;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.NnArchives;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Tests;

namespace ModelBuild.Core.Tests.NnArchives;

/// <summary>
/// NN Archives read back: ours (tar.xz) and ModelConverter's default (tar.xz, made here by GNU tar and xz
/// as Python's tarfile would), their config.json and the model file streamed out, and broken archives.
/// </summary>
public sealed class NnArchiveFileTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    internal static NnArchiveConfig TinyConfig(string name = "tinyarchive") => new(
        name,
        "tiny.onnx",
        "float32",
        [new NnArchiveInput(
            "x",
            "float32",
            "image",
            [1, 3, 8, 8],
            "NCHW",
            new NnArchivePreprocessing([0.5, 0.5, 0.5], [2.0, 2.0, 2.0], true, false, "RGB888p"))],
        [new NnArchiveOutput("y", "float32", [1, 2, 8, 8], "NCHW")]);

    /// <summary>Writes config.json and tiny.onnx into a folder and tars them with GNU tar (<paramref name="tarFlags"/>: -cJf, -czf,
    /// -cf).</summary>
    internal static string Tar(TemporaryDirectory folder, string archiveName, string tarFlags, byte[] config, byte[]? model = null)
    {
        var content = folder.Combine("content-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(content);
        File.WriteAllBytes(Path.Combine(content, "config.json"), config);
        File.WriteAllBytes(Path.Combine(content, "tiny.onnx"), model ?? TinyConvNet.Bytes());
        var archive = folder.Combine(archiveName);
        var result = ProcessRunner.Run("tar", ["-C", content, tarFlags, archive, "./config.json", "./tiny.onnx"]);
        Assert.True(result.Succeeded, result.Output);
        return archive;
    }

    [Fact]
    public void Our_archive_reads_back_to_the_config_it_was_written_with()
    {
        var model = _folder.Combine("tiny.onnx");
        File.WriteAllBytes(model, TinyConvNet.Bytes());
        var archive = _folder.Combine(NnArchiveWriter.FileName("tinyarchive", "rvc4"));
        NnArchiveWriter.Write(archive, TinyConfig(), [model]);

        var read = new NnArchiveFile(archive).ReadConfig();

        Assert.Equal(TinyConfig().ToJson(), read.ToJson());
    }

    [Theory]
    [InlineData("tiny.tar.xz", "-cJf")]
    [InlineData("tiny.tar.gz", "-czf")]
    [InlineData("tiny.tar", "-cf")]
    public async Task The_model_file_streams_out_of_an_xz_gzip_or_plain_tar_byte_for_byte(string name, string flags)
    {
        var archive = Tar(_folder, name, flags, TinyConfig().ToJson());
        var file = new NnArchiveFile(archive);

        var config = file.ReadConfig();
        var bytes = await file.ReadMemberAsync(config.ModelPath, async stream =>
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        });

        Assert.Equal("tinyarchive", config.Name);
        Assert.Equal(TinyConvNet.Bytes(), bytes);
    }

    [Fact]
    public void The_compression_is_told_by_content_not_by_name()
    {
        var archive = Tar(_folder, "really-xz.tar", "-cJf", TinyConfig().ToJson());

        Assert.Equal("tinyarchive", new NnArchiveFile(archive).ReadConfig().Name);
    }

    [Fact]
    public void An_archive_without_config_json_is_MB2081()
    {
        var content = _folder.Combine("only-model");
        Directory.CreateDirectory(content);
        File.WriteAllBytes(Path.Combine(content, "tiny.onnx"), TinyConvNet.Bytes());
        var archive = _folder.Combine("noconfig.tar.gz");
        Assert.True(ProcessRunner.Run("tar", ["-C", content, "-czf", archive, "tiny.onnx"]).Succeeded);

        var error = Assert.Throws<DiagnosticException>(() => new NnArchiveFile(archive).ReadConfig());

        Assert.Equal("MB2081", error.Diagnostic.Code);
        Assert.Equal(archive, error.Diagnostic.Location!.FilePath);
    }

    [Theory]
    [InlineData("{ not json", "it is not valid JSON")]
    [InlineData("""{"model": {"metadata": {"name": "m"}, "inputs": []}}""", "'model.metadata.path' is missing")]
    [InlineData(
        """{"model": {"metadata": {"name": "m", "path": "m.onnx"}, "inputs": [{"name": "x", "dtype": "float32", "shape": [1, "3"]}]}}""",
        "'model.inputs[0].shape' must be a list of integers")]
    [InlineData("""{"config_version": "1.0"}""", "'model' is missing")]
    public void A_config_json_that_cannot_be_read_is_MB2082_saying_what_is_wrong(string json, string reason)
    {
        var archive = Tar(_folder, "bad.tar.xz", "-cJf", Encoding.UTF8.GetBytes(json));

        var error = Assert.Throws<DiagnosticException>(() => new NnArchiveFile(archive).ReadConfig());

        Assert.Equal("MB2082", error.Diagnostic.Code);
        Assert.Contains(reason, error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_file_the_archive_lacks_is_MB2083_listing_what_it_holds()
    {
        var archive = Tar(_folder, "tiny.tar.xz", "-cJf", TinyConfig().ToJson());

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => new NnArchiveFile(archive).ReadMemberAsync("absent.onnx", _ => Task.FromResult(0)));

        Assert.Equal("MB2083", error.Diagnostic.Code);
        Assert.Contains("It holds: config.json, tiny.onnx.", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../tiny.onnx")]
    [InlineData("/etc/passwd")]
    [InlineData("models/../../tiny.onnx")]
    [InlineData("")]
    public async Task A_member_path_that_leaves_the_archive_is_MB2084_and_nothing_is_read(string member)
    {
        var archive = Tar(_folder, "tiny.tar.xz", "-cJf", TinyConfig().ToJson());
        var consumed = false;

        var error = await Assert.ThrowsAsync<DiagnosticException>(
            () => new NnArchiveFile(archive).ReadMemberAsync(member, _ => Task.FromResult(consumed = true)));

        Assert.Equal("MB2084", error.Diagnostic.Code);
        Assert.False(consumed);
    }

    [Fact]
    public void A_truncated_xz_archive_is_MB2080_naming_the_archive()
    {
        var archive = Tar(_folder, "tiny.tar.xz", "-cJf", TinyConfig().ToJson(), model: Noise(200_000));
        var bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(archive, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<DiagnosticException>(() =>
        {
            var file = new NnArchiveFile(archive);
            file.ReadConfig();
            file.ReadMemberAsync("tiny.onnx", async s =>
            {
                await s.CopyToAsync(Stream.Null);
                return 0;
            }).GetAwaiter().GetResult();
        });

        Assert.Equal("MB2080", error.Diagnostic.Code);
        Assert.Contains(archive, error.Diagnostic.Message, StringComparison.Ordinal);
    }

    // Bytes xz cannot shrink, so cutting the archive in half cuts into the model's data.
    private static byte[] Noise(int length)
    {
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        return bytes;
    }
}
