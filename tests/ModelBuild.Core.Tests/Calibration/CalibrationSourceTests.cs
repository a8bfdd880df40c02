using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Tests.Cache.Remote;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Tensors;
using static ModelBuild.Core.Tests.Pipeline.ModelCompilerConversionTests;
using static ModelBuild.Core.Tests.Pipeline.ModelCompilerTests;

namespace ModelBuild.Core.Tests.Calibration;

/// <summary>
/// <c>calibration.path</c> and <c>quantization.evaluation.path</c> naming archives and remote sources, as ModelConverter's
/// configs do (<c>s3://…/coco128.zip</c>): local <c>.zip</c>, <c>.tar.gz</c> and <c>.tar.xz</c> files, a zip served by a real
/// nginx over http and as an S3 endpoint, each unpacked through the cache and quantizing exactly as the same files in a folder.
/// </summary>
public sealed class CalibrationSourceTests : IDisposable
{
    private const int Samples = 8;
    private readonly EngineWorkspace _workspace = new();

    public CalibrationSourceTests()
    {
        for (var i = 0; i < Samples; i++)
        {
            WriteSample(i);
        }
    }

    public void Dispose() => _workspace.Dispose();

    // The data sits one folder down in every archive ("coco128/…"), as in ModelConverter's test archives.
    private string DataFolder => Path.Combine(_workspace.Root, "data", "coco128");

    [Fact]
    public async Task A_local_zip_quantizes_exactly_as_the_same_files_in_a_folder_and_cache_clear_removes_it_unpacked()
    {
        var folder = await QuantizeAsync("calibration:\n  path: " + DataFolder);
        var zip = await QuantizeAsync("calibration:\n  path: calib.zip", WriteZip("calib.zip"));

        Assert.Equal(Key(folder, "quantize"), Key(zip, "quantize"));
        Assert.Equal(folder.Files[0].Blob.Digest, zip.Files[0].Blob.Digest);
        var unpacked = Path.Combine(_workspace.CacheDir, ModelBuildCache.UnpackedFolder);
        Assert.Single(Directory.GetDirectories(unpacked));
        ModelBuildCache.Open(_workspace.CacheDir).Clear();
        Assert.Empty(Directory.GetFileSystemEntries(unpacked));
    }

    [Fact]
    public async Task Tar_gz_and_tar_xz_archives_quantize_as_the_zip_does()
    {
        var zip = await QuantizeAsync("calibration:\n  path: calib.zip", WriteZip("calib.zip"));
        var gz = await QuantizeAsync("calibration:\n  path: calib.tar.gz", WriteTarGz("calib.tar.gz"));
        var xz = await QuantizeAsync("calibration:\n  path: calib.tar.xz", WriteTarXz("calib.tar.xz"));

        Assert.Equal(Key(zip, "quantize"), Key(gz, "quantize"));
        Assert.Equal(Key(zip, "quantize"), Key(xz, "quantize"));
    }

    [Fact]
    public async Task Max_images_takes_the_first_files_by_name_and_only_their_content_is_in_the_key()
    {
        var four = await QuantizeAsync("calibration:\n  path: calib.zip\n  max_images: 4", WriteZip("calib.zip"));
        Assert.Equal(4, (int)Report()["calibration_samples"]!);

        WriteSample(6, seed: 7);
        var outside = await QuantizeAsync("calibration:\n  path: calib.zip\n  max_images: 4", WriteZip("calib.zip"));
        WriteSample(2, seed: 7);
        var inside = await QuantizeAsync("calibration:\n  path: calib.zip\n  max_images: 4", WriteZip("calib.zip"));

        Assert.Equal(Key(four, "quantize"), Key(outside, "quantize"));
        Assert.NotEqual(Key(four, "quantize"), Key(inside, "quantize"));
        Assert.Contains(Path.Combine(_workspace.ModelsFolder, "calib.zip"), _last!.Dependencies);
    }

    [Fact]
    public async Task A_zip_served_by_nginx_over_http_and_as_an_s3_endpoint_is_fetched_pinned_in_the_lock_file_and_unpacked()
    {
        using var nginx = new WebDavServer();
        var zip = File.ReadAllBytes(WriteZip("calib.zip"));
        File.WriteAllBytes(Path.Combine(nginx.StoreFolder, "coco128.zip"), zip);
        var folder = await QuantizeAsync("calibration:\n  path: " + DataFolder);
        var lockFile = Path.Combine(_workspace.Root, "models.lock.json");

        var http = await QuantizeAsync($"calibration:\n  path: {nginx.Address}/coco128.zip", lockFile: lockFile);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_ENDPOINT_URL_S3"] = $"http://127.0.0.1:{nginx.Port}",
            ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
            ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ["AWS_REGION"] = "eu-west-3",
        };
        var s3 = await QuantizeAsync(
            "calibration:\n  path: s3://cache/coco128.zip\n  max_images: -1",
            lockFile: lockFile,
            environment: environment);

        Assert.Equal(Key(folder, "quantize"), Key(http, "quantize"));
        Assert.Equal(Key(folder, "quantize"), Key(s3, "quantize"));
        var locked = JsonNode.Parse(File.ReadAllText(lockFile))!.ToJsonString();
        Assert.Contains("coco128.zip", locked, StringComparison.Ordinal);
        Assert.Contains(Sha256Digest.Compute(zip).Hex, locked, StringComparison.Ordinal);
        Assert.Equal(2, nginx.Requests().Count(r => r.StartsWith("GET /cache/coco128.zip 200", StringComparison.Ordinal)));

        // Both sources are pinned in the lock file now: the next build takes the archive from the cache by its digest.
        await QuantizeAsync($"calibration:\n  path: {nginx.Address}/coco128.zip", lockFile: lockFile);
        Assert.Equal(2, nginx.Requests().Count(r => r.StartsWith("GET ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_dry_run_lists_the_quantize_key_of_a_local_archive_and_fetches_nothing_remote()
    {
        var compiled = await QuantizeAsync("calibration:\n  path: calib.zip", WriteZip("calib.zip"));
        var cache = ModelBuildCache.Open(_workspace.CacheDir);
        using var fetcher = new SourceFetcher(cache);
        var compiler = new ModelCompiler(cache, fetcher, EngineIdentity.Current, null);

        var local = await compiler.PreviewAsync(_workspace.Request(precision: "FP32-INT8"));
        _workspace.WriteManifest(EngineWorkspace.DefaultManifest + "\ncalibration:\n  path: https://127.0.0.1:9/calib.zip\n");
        var remote = await compiler.PreviewAsync(_workspace.Request(precision: "FP32-INT8"));

        Assert.Equal(Key(compiled, "quantize"), local.Steps.Single(s => s.Action == "quantize").Key?.Hex);
        var error = Assert.Single(remote.Diagnostics, d => d.IsError);
        Assert.Equal(("MB8110", 4), (error.Code, error.Location?.Line));
    }

    [Fact]
    public async Task An_archive_entry_that_climbs_out_is_refused_and_nothing_is_unpacked()
    {
        var path = Path.Combine(_workspace.ModelsFolder, "evil.zip");
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            archive.CreateEntryFromFile(Path.Combine(DataFolder, "sample-00.npy"), "../outside.npy");
        }

        _workspace.WriteManifest(EngineWorkspace.DefaultManifest + "\ncalibration:\n  path: evil.zip\n");
        var outcome = await _workspace.CompileAsync(_workspace.Request(precision: "FP32-INT8"));

        Assert.Equal("MB2060", Assert.Single(outcome.Diagnostics, d => d.IsError).Code);
        var unpacked = Path.Combine(_workspace.CacheDir, ModelBuildCache.UnpackedFolder);
        Assert.Empty(Directory.Exists(unpacked) ? Directory.GetFileSystemEntries(unpacked) : []);
        Assert.False(File.Exists(Path.Combine(_workspace.CacheDir, ModelBuildCache.UnpackedFolder, "outside.npy")));
    }

    [Fact]
    public async Task An_evaluation_set_in_an_archive_is_unpacked_like_calibration_data()
    {
        var evaluation = Path.Combine(_workspace.Root, "eval", "held-out");
        Directory.CreateDirectory(evaluation);
        for (var i = 0; i < 4; i++)
        {
            NpyFile.Write(Path.Combine(evaluation, $"eval-{i}.npy"), Sample(i, seed: 50));
        }

        ZipFile.CreateFromDirectory(Path.Combine(_workspace.Root, "eval"), Path.Combine(_workspace.ModelsFolder, "eval.zip"));
        var manifest = "calibration:\n  path: calib.zip\nquantization:\n  evaluation:\n    path: eval.zip\n" +
            "  accuracy_criterion:\n    absolute: 1\n  metric: cosine\n";

        await QuantizeAsync(manifest, WriteZip("calib.zip"));

        var report = Report()["evaluation"]!;
        Assert.Equal(("held-out", 4), ((string)report["source"]!, (int)report["evaluation_samples"]!));
    }

    [Fact]
    public void A_script_calibration_names_Python_when_none_is_found_and_says_not_yet_when_one_is()
    {
        var script = new Located<string>("def calibrate(x): return x", new SourceLocation("m.yaml", 7, 5));
        var fakePython = Path.Combine(_workspace.Root, "python3");
        File.WriteAllText(fakePython, "#!/bin/sh\n");

        var none = CalibrationScriptRefusal.For("x", script, _ => null).Diagnostic;
        var found = CalibrationScriptRefusal.For("x", script, n => n == "MODELBUILD_PYTHON3" ? fakePython : null).Diagnostic;

        Assert.Equal(("MB8191", 7), (none.Code, none.Location?.Line));
        Assert.Contains("Python", none.Message, StringComparison.Ordinal);
        Assert.Equal("MB8192", found.Code);
        Assert.Contains(fakePython, found.Message, StringComparison.Ordinal);
    }

    private ModelCompileOutcome? _last;

    private static string Key(CompiledModel model, string action) => Action(model, action)["key"]!.ToString();

    /// <summary>The last compile's quantization report.</summary>
    private JsonNode Report() => JsonNode.Parse(_workspace.ReadCompiled(
        _last!.Attachments.Single(a => a.FileName == "quantization-report.json")))!;

    private async Task<CompiledModel> QuantizeAsync(
        string calibration,
        string? archive = null,
        string? lockFile = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        Assert.True(archive is null || File.Exists(archive));
        _workspace.WriteManifest(EngineWorkspace.DefaultManifest + "\n" + calibration + "\n");
        var cache = ModelBuildCache.Open(_workspace.CacheDir);
        var options = SourceFetcherOptions.Default with
        {
            Environment = name => environment?.GetValueOrDefault(name),
            LockFile = lockFile is null ? null : ModelLockFile.Open(lockFile, locked: false),
        };
        using var fetcher = new SourceFetcher(cache, options);
        var outcome = await new ModelCompiler(cache, fetcher, EngineIdentity.Current, null)
            .CompileAsync(_workspace.Request(precision: "FP32-INT8"));
        _last = outcome;
        return AssertSucceeded(outcome);
    }

    private static Tensor Sample(int index, int seed = 0) => Tensor.Create(
        Enumerable.Range(0, 3 * 8 * 8).Select(i => MathF.Sin((i * 0.37f) + (index * 1.3f) + seed) * 1.5f).ToArray(),
        [1, 3, 8, 8]);

    private void WriteSample(int index, int seed = 0)
    {
        Directory.CreateDirectory(DataFolder);
        NpyFile.Write(Path.Combine(DataFolder, $"sample-{index:D2}.npy"), Sample(index, seed));
    }

    private string WriteZip(string name)
    {
        var path = Path.Combine(_workspace.ModelsFolder, name);
        File.Delete(path);
        ZipFile.CreateFromDirectory(Path.GetDirectoryName(DataFolder)!, path);
        return path;
    }

    private string WriteTarGz(string name)
    {
        var path = Path.Combine(_workspace.ModelsFolder, name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        TarFile.CreateFromDirectory(Path.GetDirectoryName(DataFolder)!, gzip, includeBaseDirectory: false);
        return path;
    }

    private string WriteTarXz(string name)
    {
        var path = Path.Combine(_workspace.ModelsFolder, name);
        var result = ModelBuild.Tests.ProcessRunner.Run("tar", ["-cJf", path, "-C", Path.GetDirectoryName(DataFolder)!, "coco128"]);
        Assert.True(result.Succeeded, result.Output);
        return path;
    }
}
