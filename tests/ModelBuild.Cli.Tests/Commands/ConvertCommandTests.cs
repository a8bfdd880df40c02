using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary><c>modelbuild convert</c> run as a program: the plan and keys of a dry run, and a conversion with its checks.</summary>
public sealed partial class ConvertCommandTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void A_dry_run_prints_the_plan_and_keys_writes_nothing_and_the_keys_are_the_real_ones()
    {
        var dry = Convert("--precision", "FP16", "--dry-run");

        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Equal("", dry.StandardError);
        Assert.False(Directory.Exists(_workspace.CacheDir));
        Assert.False(Directory.Exists(_workspace.OutputDir));
        var lines = dry.StandardOutput.Split('\n');
        Assert.Equal("ModelBuild: tiny -> onnx FP16 (dry run: nothing is fetched, computed or written)", lines[0]);
        Assert.Equal($"  source   {_workspace.ModelPath}", lines[1]);
        var keys = Keys(dry.StandardOutput);
        Assert.Equal(["inspect", "prepare"], keys.Keys);
        Assert.Contains("  fp16     (not known yet) the key is known once prepare has run", lines);
        Assert.Contains("\"keep_io_types\":true", dry.StandardOutput, StringComparison.Ordinal);
        Assert.EndsWith(
            $"  would write tiny.onnx, buildinfo.json to {_workspace.OutputDir}\n",
            dry.StandardOutput,
            StringComparison.Ordinal);

        var real = Convert("--precision", "FP16");
        Assert.True(real.ExitCode == 0, real.ToString());
        var info = JsonNode.Parse(File.ReadAllText(Path.Combine(_workspace.OutputDir, "buildinfo.json")))!;
        var actions = info["actions"]!.AsArray().ToDictionary(a => (string)a!["action"]!, a => (string)a!["key"]!);
        Assert.Equal(keys["inspect"], actions["inspect"]);
        Assert.Equal(keys["prepare"], actions["prepare"]);

        // Now that prepare has run, a dry run knows the fp16 key too, and finds all three cached.
        var warm = Convert("--precision", "FP16", "--dry-run");
        Assert.Equal(actions["fp16"], Keys(warm.StandardOutput)["fp16"]);
        Assert.Equal(3, Regex.Count(warm.StandardOutput, " cached\n"));
    }

    [Fact]
    public void Converting_writes_the_model_and_its_build_record_and_prints_each_check()
    {
        var result = Convert("--precision", "FP16");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.StandardError);
        Assert.Equal(["buildinfo.json", "deps.txt", "model.json", "tiny.onnx"], FolderSnapshot.Of(_workspace.OutputDir).Paths);
        Assert.Matches(@"  fp16     fp16; on 4 inputs: 'y' cosine [01]\.\d{7}, max abs error [0-9.E-]+\n", result.StandardOutput);
        Assert.Contains("ModelBuild: tiny -> onnx FP16: 3 actions run, 0 from cache.", result.StandardOutput, StringComparison.Ordinal);
        var model = OnnxModelFile.Read(Path.Combine(_workspace.OutputDir, "tiny.onnx"));
        Assert.Contains(model.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float16);
        result.AssertNoStackTrace();
    }

    [Fact]
    public void A_failed_check_is_exit_code_1_with_one_MB6016_line_and_no_output_folder()
    {
        _workspace.WriteManifest(EngineWorkspace.DefaultManifest + "\nvalidation: {min_cosine: 1, max_abs_error: 0}\n");

        var result = Convert("--precision", "FP16");

        Assert.True(result.ExitCode == 1, result.ToString());
        var error = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"{_workspace.ManifestPath}(3,13): error MB6016: The FP16 model converted from '{_workspace.ModelPath}' (fp16) " +
            $"differs from the original beyond the FP16 thresholds on 4 inputs: 'y': cosine ", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_workspace.OutputDir));
        result.AssertNoStackTrace();
    }

    [Fact]
    public void The_ort_target_gives_the_same_bytes_from_two_processes_and_two_caches()
    {
        var first = Convert("--target", "ort", "--precision", "FP16");
        var otherOutput = Path.Combine(_workspace.Root, "out-b", "tiny");
        var second = EngineProcess.Run(
            "convert",
            _workspace.ManifestPath,
            "--output-dir",
            otherOutput,
            "--cache-dir",
            Path.Combine(_workspace.Root, "cache-b"),
            "--target",
            "ort",
            "--precision",
            "FP16");

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first + "\n" + second);
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(_workspace.OutputDir, "tiny.ort")),
            File.ReadAllBytes(Path.Combine(otherOutput, "tiny.ort")));
        FolderSnapshot.Of(otherOutput).AssertUnchangedSince(FolderSnapshot.Of(_workspace.OutputDir));
    }

    private EngineResult Convert(params string[] options) =>
        EngineProcess.Run(
            ["convert", _workspace.ManifestPath, "--output-dir", _workspace.OutputDir, "--cache-dir", _workspace.CacheDir, .. options]);

    /// <summary>Action name → key, for every step of a dry run whose key is known.</summary>
    private static Dictionary<string, string> Keys(string output) =>
        StepLine().Matches(output).ToDictionary(m => m.Groups["action"].Value, m => m.Groups["key"].Value);

    [GeneratedRegex(@"^  (?<action>\w+)\s+(?<key>[0-9a-f]{64}) ", RegexOptions.Multiline)]
    private static partial Regex StepLine();
}
