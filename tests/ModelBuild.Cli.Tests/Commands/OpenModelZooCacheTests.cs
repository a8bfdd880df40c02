using System.Security.Cryptography;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Sources;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary>
/// <c>modelbuild download --cache_dir</c> on a folder laid out as Open Model Zoo's downloader lays out its cache
/// (<c>1/&lt;2 hex&gt;/&lt;94 hex&gt;</c> of each file's SHA-384), written here byte for byte as that downloader writes it.
/// </summary>
public sealed class OpenModelZooCacheTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();
    private readonly LoopbackServer _server = new();
    private readonly byte[] _weights = RandomNumberGenerator.GetBytes(1_500_000);
    private readonly byte[] _labels = "cat\ndog\n"u8.ToArray();

    public OpenModelZooCacheTests()
    {
        _server.Serve("/files/delta-net.onnx", _weights);
        _server.Serve("/files/labels.txt", _labels);
        var folder = Path.Combine(Models, "public", "delta-net");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "model.yml"), $$"""
            description: The delta network.
            task_type: classification
            files:
              - name: delta-net.onnx
                size: {{_weights.Length}}
                checksum: {{Sha384(_weights)}}
                source: {{_server.BaseUrl}}files/delta-net.onnx
              - name: labels.txt
                size: {{_labels.Length}}
                checksum: {{Sha384(_labels)}}
                source: {{_server.BaseUrl}}files/labels.txt
            model_optimizer_args:
              - --input_model=$dl_dir/delta-net.onnx
            framework: onnx
            license: https://models.example/LICENSE
            """);
    }

    public void Dispose()
    {
        _server.Dispose();
        _root.Dispose();
    }

    private string Models => _root.Combine("models");

    private string Output => _root.Combine("out");

    private string Cache => _root.Combine("omz-cache");

    private static string Sha384(byte[] bytes) => Convert.ToHexStringLower(SHA384.HashData(bytes));

    /// <summary>Where Open Model Zoo's downloader keeps a file: format folder 1, then the SHA-384 split after two digits.</summary>
    private string EntryOf(byte[] bytes) => Path.Combine(Cache, "1", Sha384(bytes)[..2], Sha384(bytes)[2..]);

    private void PutEntry(byte[] key, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(EntryOf(key))!);
        File.WriteAllBytes(EntryOf(key), content);
    }

    private EngineResult Download(params string[] arguments) =>
        EngineProcess.Run(["download", "--models_dir", Models, "-o", Output, "--cache_dir", Cache, "--name", "delta-net", .. arguments]);

    [Fact]
    public void An_existing_open_model_zoo_cache_is_used_without_the_network()
    {
        PutEntry(_weights, _weights);
        PutEntry(_labels, _labels);

        var result = Download("--offline");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(_server.Requests);
        Assert.Equal(_weights, File.ReadAllBytes(Path.Combine(Output, "public", "delta-net", "delta-net.onnx")));
        Assert.Equal(_labels, File.ReadAllBytes(Path.Combine(Output, "public", "delta-net", "labels.txt")));
    }

    [Fact]
    public void Downloaded_files_land_in_the_open_model_zoo_layout()
    {
        var result = Download();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(_weights, File.ReadAllBytes(EntryOf(_weights)));
        Assert.Equal(_labels, File.ReadAllBytes(EntryOf(_labels)));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Cache, "1", "staging")));
    }

    [Fact]
    public void A_corrupt_entry_is_not_used_and_is_replaced_by_the_verified_download()
    {
        var tampered = (byte[])_weights.Clone();
        tampered[1000] ^= 0xFF;
        PutEntry(_weights, tampered);
        PutEntry(_labels, _labels);

        var result = Download();

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertNoStackTrace();
        Assert.Contains("MB2150", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.Contains(EntryOf(_weights), result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.Single(_server.RequestsFor("/files/delta-net.onnx"));
        Assert.Empty(_server.RequestsFor("/files/labels.txt"));
        Assert.Equal(_weights, File.ReadAllBytes(Path.Combine(Output, "public", "delta-net", "delta-net.onnx")));
        Assert.Equal(_weights, File.ReadAllBytes(EntryOf(_weights)));
    }

    [Fact]
    public void A_corrupt_entry_offline_is_an_error_and_writes_nothing()
    {
        PutEntry(_weights, [1, 2, 3]);
        PutEntry(_labels, _labels);

        var result = Download("--offline");

        Assert.NotEqual(0, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.Contains("MB2150", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Output, "public", "delta-net", "delta-net.onnx")));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(EntryOf(_weights)));
    }
}
