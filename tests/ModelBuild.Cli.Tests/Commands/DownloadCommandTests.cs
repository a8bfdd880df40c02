using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Sources;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary>
/// <c>modelbuild download</c> and <c>modelbuild info</c> as programs, over a folder of Open Model Zoo
/// model.yml files and ModelBuild manifests made by the test, against a loopback server.
/// </summary>
public sealed class DownloadCommandTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();
    private readonly LoopbackServer _server = new();
    private readonly byte[] _weights = RandomNumberGenerator.GetBytes(3_000_000);
    private readonly byte[] _archive;

    public DownloadCommandTests()
    {
        _archive = Zip(("labels/names.txt", "cats and cats and dogs\n"u8.ToArray()));
        _server.Serve("/files/weights.onnx", _weights);
        _server.Serve("/files/labels.zip", _archive);
        _server.Serve("/files/small.bin", [1, 2, 3, 4]);
        WriteOmzModel("public/alpha-net", $$"""
            description: The alpha network.
            task_type: classification
            files:
              - name: alpha-net.onnx
                size: {{_weights.Length}}
                checksum: {{Sha384(_weights)}}
                source: {{_server.BaseUrl}}files/weights.onnx
              - name: labels.zip
                size: {{_archive.Length}}
                checksum: {{Sha384(_archive)}}
                source:
                  $type: http
                  url: {{_server.BaseUrl}}files/labels.zip
            postprocessing:
              - $type: unpack_archive
                format: zip
                file: labels.zip
              - $type: regex_replace
                file: labels/names.txt
                pattern: 'cat(s?)'
                replacement: 'lion\1'
            input_info:
              - name: image
                shape: [1, 3, 224, 224]
                layout: NCHW
            model_optimizer_args:
              - --input_model=$dl_dir/alpha-net.onnx
            model_info:
              labels: [lion, dog]
            framework: onnx
            license: https://models.example/LICENSE
            """);
        WriteOmzModel("intel/beta-net", $$"""
            description: The beta network.
            task_type: detection
            files:
              - name: FP32/beta-net.xml
                size: 4
                checksum: {{Sha384([1, 2, 3, 4])}}
                source: {{_server.BaseUrl}}files/small.bin
              - name: FP32/beta-net.bin
                size: 4
                checksum: {{Sha384([1, 2, 3, 4])}}
                source: {{_server.BaseUrl}}files/small.bin
              - name: FP16/beta-net.xml
                size: 4
                checksum: {{Sha384([1, 2, 3, 4])}}
                source: {{_server.BaseUrl}}files/small.bin
              - name: FP16/beta-net.bin
                size: 4
                checksum: {{Sha384([1, 2, 3, 4])}}
                source: {{_server.BaseUrl}}files/small.bin
            framework: dldt
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

    private string Cache => _root.Combine("cache");

    private static string Sha384(byte[] bytes) => Convert.ToHexStringLower(SHA384.HashData(bytes));

    private void WriteOmzModel(string subdirectory, string text)
    {
        var folder = Path.Combine(Models, subdirectory);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "model.yml"), text);
    }

    private static byte[] Zip(params (string Name, byte[] Bytes)[] entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var entry = zip.CreateEntry(name).Open();
                entry.Write(bytes);
            }
        }

        return memory.ToArray();
    }

    private EngineResult Download(params string[] arguments) =>
        EngineProcess.Run(["download", "--models_dir", Models, "-o", Output, "--cache_dir", Cache, .. arguments]);

    private static List<JsonElement> Events(EngineResult result) =>
        [.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];

    [Fact]
    public void Json_events_follow_open_model_zoo_s_names_members_and_ordering_and_files_land_postprocessed()
    {
        var result = Download("--all", "-j", "2", "--progress_format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertNoStackTrace();
        var events = Events(result);
        AssertOrdering(events, expectPostprocessing: new Dictionary<string, bool> { ["alpha-net"] = true, ["beta-net"] = false });
        Assert.Equal(_weights, File.ReadAllBytes(Path.Combine(Output, "public", "alpha-net", "alpha-net.onnx")));
        Assert.False(File.Exists(Path.Combine(Output, "public", "alpha-net", "labels.zip")));
        Assert.Equal("lions and lions and dogs\n", File.ReadAllText(Path.Combine(Output, "public", "alpha-net", "labels", "names.txt")));
        Assert.True(File.Exists(Path.Combine(Output, "public", "alpha-net", "labels", "names.txt.orig")));
        Assert.True(File.Exists(Path.Combine(Output, "intel", "beta-net", "FP16", "beta-net.bin")));

        // The exact text of an event line, as Open Model Zoo's downloader writes it.
        Assert.Contains(
            "{\"$type\": \"model_download_begin\", \"model\": \"alpha-net\", \"num_files\": 2}",
            result.StandardOutput,
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_google_drive_file_is_fetched_through_drive_s_virus_scan_page()
    {
        _server.Serve("/uc", []);
        _server.Script("/uc", new LoopbackReply
        {
            Page = ("<html><head><title>Google Drive - Virus scan warning</title></head><body>"u8 +
                """<form id="download-form" action="/download"><input type="hidden" name="id" value="1KmM2vw">"""u8 +
                """<input type="hidden" name="confirm" value="t"></form></body></html>"""u8).ToArray(),
            Headers = new Dictionary<string, string> { ["Content-Type"] = "text/html; charset=utf-8" },
        });
        _server.Serve("/download", _weights);
        WriteOmzModel("public/gamma-net", $$"""
            description: The gamma network, shared on Google Drive.
            task_type: classification
            files:
              - name: gamma-net.onnx
                size: {{_weights.Length}}
                checksum: {{Sha384(_weights)}}
                source:
                  $type: google_drive
                  id: 1KmM2vw
            model_optimizer_args:
              - --input_model=$dl_dir/gamma-net.onnx
            framework: onnx
            license: https://models.example/LICENSE
            """);

        var result = EngineProcess.Run(
            new Dictionary<string, string> { ["MODELBUILD_GOOGLE_DRIVE_ENDPOINT"] = _server.BaseUrl },
            ["download", "--models_dir", Models, "-o", Output, "--cache_dir", Cache, "--name", "gamma-net"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(_weights, File.ReadAllBytes(Path.Combine(Output, "public", "gamma-net", "gamma-net.onnx")));
        Assert.Equal("/uc?export=download&id=1KmM2vw", Assert.Single(_server.RequestsFor("/uc")).PathAndQuery);
        Assert.Equal("/download?id=1KmM2vw&confirm=t", Assert.Single(_server.RequestsFor("/download")).PathAndQuery);
    }

    [Fact]
    public void A_second_run_takes_every_file_from_the_cache()
    {
        Assert.Equal(0, Download("--all").ExitCode);
        var requests = _server.Requests.Count;
        Directory.Delete(Output, recursive: true);

        var again = Download("--all", "--offline");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(requests, _server.Requests.Count);
        Assert.Contains("cache hit", again.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(_weights, File.ReadAllBytes(Path.Combine(Output, "public", "alpha-net", "alpha-net.onnx")));
    }

    [Fact]
    public void A_missing_file_fails_its_model_with_events_and_one_error_naming_url_and_file()
    {
        _server.Serve("/files/labels.zip", [], status: 404);

        var result = Download("--name", "alpha-*", "--progress_format", "json");

        Assert.Equal(1, result.ExitCode);
        var events = Events(result);
        AssertOrdering(events, expectPostprocessing: new Dictionary<string, bool> { ["alpha-net"] = false });
        Assert.Contains(
            events,
            e => e.GetProperty("$type").GetString() == "model_download_end" && !e.GetProperty("successful").GetBoolean());
        var error = Assert.Single(result.ErrorLines, l => l.Contains("error", StringComparison.Ordinal));
        Assert.Contains("MB2013", error, StringComparison.Ordinal);
        Assert.Contains("files/labels.zip", error, StringComparison.Ordinal);
        Assert.Contains("model.yml(", error, StringComparison.Ordinal);
        Assert.Single(_server.RequestsFor("/files/labels.zip"));
        Assert.False(File.Exists(Path.Combine(Output, "public", "alpha-net", "labels.zip")));
    }

    [Fact]
    public void A_checksum_mismatch_leaves_no_file_in_the_output_and_nothing_in_the_cache()
    {
        _server.Serve("/files/small.bin", [9, 9, 9, 9]);

        var result = Download("--name", "beta-net");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("MB2012", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("sha384", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Output, "intel", "beta-net", "FP32"))
            && Directory.EnumerateFiles(Path.Combine(Output, "intel", "beta-net", "FP32")).Any());
        Assert.Contains("FAILED:", result.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Cache, "tmp"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_modelbuild_manifest_pinned_by_sha512_or_integrity_is_verified_by_download()
    {
        var sha512 = Convert.ToHexStringLower(SHA512.HashData(_weights));
        var integrity = "sha384-" + Convert.ToBase64String(SHA384.HashData([1, 2, 3]));
        Directory.CreateDirectory(Path.Combine(Models, "pinned"));
        File.WriteAllText(Path.Combine(Models, "pinned", "good.yaml"), $"""
            input_model:
              source: {_server.BaseUrl}files/weights.onnx
              sha512: {sha512}
            """);
        File.WriteAllText(Path.Combine(Models, "pinned", "bad.yaml"), $"""
            input_model:
              source: {_server.BaseUrl}files/small.bin
              integrity: {integrity}
            """);

        var good = Download("--name", "good");
        var bad = Download("--name", "bad");

        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Equal(_weights, File.ReadAllBytes(Path.Combine(Output, "pinned", "good", "weights.onnx")));
        Assert.Equal(1, bad.ExitCode);
        var error = Assert.Single(bad.ErrorLines, l => l.Contains("MB2012", StringComparison.Ordinal));
        Assert.Contains("bad.yaml(2,11)", error, StringComparison.Ordinal);
        Assert.Contains("files/small.bin", error, StringComparison.Ordinal);
        Assert.Contains("expected sha384 " + Convert.ToHexStringLower(SHA384.HashData([1, 2, 3])), error, StringComparison.Ordinal);
        Assert.Contains("got sha384 " + Sha384([1, 2, 3, 4]), error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Output, "pinned", "bad", "small.bin")));
    }

    [Fact]
    public void Precisions_limit_the_ir_files_downloaded()
    {
        var result = Download("--name", "beta-net", "--precisions", "FP16");

        Assert.Equal(0, result.ExitCode);
        Assert.True(File.Exists(Path.Combine(Output, "intel", "beta-net", "FP16", "beta-net.xml")));
        Assert.False(Directory.Exists(Path.Combine(Output, "intel", "beta-net", "FP32")));
    }

    [Fact]
    public void Print_all_name_patterns_and_list_files_select_like_open_model_zoo()
    {
        File.WriteAllText(_root.Combine("models.lst"), "# wanted models\nbeta-net   # the IR one\n\n");

        var printed = Download("--print_all");
        var listed = Download("--list", _root.Combine("models.lst"), "--progress_format", "json");
        var none = Download("--name", "gamma*");
        var both = Download("--all", "--name", "alpha-net");

        Assert.Equal("alpha-net\nbeta-net\n", printed.StandardOutput);
        Assert.Equal(["beta-net"], Events(listed).Where(e => e.GetProperty("$type").GetString() == "model_download_begin")
            .Select(e => e.GetProperty("model").GetString()));
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("MB2110", none.StandardError, StringComparison.Ordinal);
        Assert.Contains("\"gamma*\"", none.StandardError, StringComparison.Ordinal);
        Assert.Contains("MB2111", both.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Locked_mode_refuses_an_unpinned_source_the_lock_file_does_not_have()
    {
        Directory.CreateDirectory(Path.Combine(Models, "mb"));
        File.WriteAllText(Path.Combine(Models, "mb", "gamma.yaml"), $"input_model: {_server.BaseUrl}files/small.bin\n");
        var lockFile = _root.Combine("models.lock.json");

        var refused = Download("--name", "gamma", "--lock-file", lockFile, "--locked");
        var written = Download("--name", "gamma", "--lock-file", lockFile);
        var accepted = Download("--name", "gamma", "--lock-file", lockFile, "--locked");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("MB2031", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("mb/gamma.yaml(1,", refused.StandardError.Replace('\\', '/'), StringComparison.Ordinal);
        Assert.True(written.ExitCode == 0, written.ToString());
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData([1, 2, 3, 4])), File.ReadAllText(lockFile), StringComparison.Ordinal);
        Assert.Equal(0, accepted.ExitCode);
        Assert.Single(_server.RequestsFor("/files/small.bin"));
        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(Path.Combine(Output, "mb", "gamma", "small.bin")));
    }

    [Fact]
    public async Task A_run_killed_mid_download_resumes_in_the_next_run_instead_of_restarting()
    {
        _server.Script("/files/weights.onnx", new LoopbackReply { StallAfter = 1_500_000 });
        var start = new ProcessStartInfo(
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] {
            "exec",
            EngineProcess.EnginePath,
            "download",
            "--models_dir",
            Models,
            "-o",
            Output,
            "--cache_dir",
            Cache,
            "--name",
            "alpha-net" })
        {
            start.ArgumentList.Add(argument);
        }

        using (var first = Process.Start(start)!)
        {
            var partial = Path.Combine(Cache, "tmp", "partial");
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (!(Directory.Exists(partial)
                && Directory.EnumerateFiles(partial, "*.part").Any(f => new FileInfo(f).Length >= 1_500_000)))
            {
                Assert.True(DateTime.UtcNow < deadline, "The first run never wrote its partial file.");
                await Task.Delay(50);
            }

            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        _server.ReleaseStalls();
        var second = Download("--name", "alpha-net");

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal("bytes=1500000-", _server.RequestsFor("/files/weights.onnx")[^1].Range);
        Assert.Equal(_weights, File.ReadAllBytes(Path.Combine(Output, "public", "alpha-net", "alpha-net.onnx")));
    }

    [Fact]
    public void Info_prints_the_info_dumper_s_fields_as_a_json_array()
    {
        var result = EngineProcess.Run("info", "--models_dir", Models, "--all");

        Assert.True(result.ExitCode == 0, result.ToString());
        var models = JsonDocument.Parse(result.StandardOutput).RootElement.EnumerateArray().ToList();
        Assert.Equal(["alpha-net", "beta-net"], models.Select(m => m.GetProperty("name").GetString()));
        var alpha = models[0];
        Assert.Equal(
            ["name", "composite_model_name", "description", "framework", "license_url", "accuracy_config", "model_config", "precisions",
             "subdirectory", "task_type", "input_info", "model_stages"],
            alpha.EnumerateObject().Select(p => p.Name));
        Assert.Equal("onnx", alpha.GetProperty("framework").GetString());
        Assert.Equal("public/alpha-net", alpha.GetProperty("subdirectory").GetString());
        Assert.Equal(["FP16", "FP32"], alpha.GetProperty("precisions").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("[1,3,224,224]", alpha.GetProperty("input_info")[0].GetProperty("shape").GetRawText()
            .Replace(" ", "", StringComparison.Ordinal)
            .Replace("\n", "", StringComparison.Ordinal));
        Assert.Equal(["FP16", "FP32"], models[1].GetProperty("precisions").EnumerateArray().Select(p => p.GetString()));
    }

    /// <summary>
    /// Open Model Zoo's ordering rules, checked per model: begin first; each file's begin, growing
    /// progress, end, one file after another; model end; postprocessing begin and end only after a
    /// successful model end and only for models that have postprocessing.
    /// </summary>
    private static void AssertOrdering(List<JsonElement> events, IReadOnlyDictionary<string, bool> expectPostprocessing)
    {
        var byModel = events.GroupBy(e => e.GetProperty("model").GetString()!).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(expectPostprocessing.Keys.Order(), byModel.Keys.Order());
        foreach (var (model, stream) in byModel)
        {
            var types = stream.Select(e => e.GetProperty("$type").GetString()).ToList();
            Assert.Equal("model_download_begin", types[0]);
            var declared = stream[0].GetProperty("num_files").GetInt32();
            var index = 1;
            var files = 0;
            var failed = false;
            while (types[index] == "model_file_download_begin")
            {
                var file = stream[index].GetProperty("model_file").GetString();
                var size = stream[index].GetProperty("size").GetInt64();
                index++;
                long last = -1;
                while (types[index] == "model_file_download_progress")
                {
                    Assert.Equal(file, stream[index].GetProperty("model_file").GetString());
                    var received = stream[index].GetProperty("size").GetInt64();
                    Assert.True(received >= last && received <= size, $"{model}/{file}: progress {received} after {last}, size {size}");
                    last = received;
                    index++;
                }

                Assert.Equal("model_file_download_end", types[index]);
                Assert.Equal(file, stream[index].GetProperty("model_file").GetString());
                files++;
                if (!stream[index].GetProperty("successful").GetBoolean())
                {
                    failed = true;
                    index++;
                    break;
                }

                index++;
            }

            Assert.Equal("model_download_end", types[index]);
            Assert.Equal(!failed, stream[index].GetProperty("successful").GetBoolean());
            Assert.True(failed || files == declared, $"{model}: {files} files of {declared}");
            var rest = types.Skip(index + 1).ToList();
            Assert.Equal(expectPostprocessing[model] ? ["model_postprocessing_begin", "model_postprocessing_end"] : [], rest);
        }
    }
}
