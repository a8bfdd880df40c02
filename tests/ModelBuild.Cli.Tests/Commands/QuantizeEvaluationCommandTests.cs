using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Tensors;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary><c>modelbuild quantize</c> with a held-out evaluation set: the criterion flags, the coded error and the dry run.</summary>
public sealed class QuantizeEvaluationCommandTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();
    private readonly string _model;

    public QuantizeEvaluationCommandTests()
    {
        _model = _folder.Combine("tiny.onnx");
        File.WriteAllBytes(_model, TinyConvNet.Bytes());
        WriteSamples("calibration", 8, 1f);
        WriteSamples("eval", 5, 3f);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Dry_run_prints_the_settings_the_split_and_the_plan_and_writes_nothing()
    {
        var result = Run("--dry-run", "--evaluation", _folder.Combine("eval"),
            "--relative-drop", "0.05", "--max-trials", "3", "--timeout", "60");

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.StandardOutput;
        Assert.Contains("dry run of quantizing 'tiny.onnx': nothing is calibrated, quantized or written.", output,
            StringComparison.Ordinal);
        Assert.Contains("  calibration: 8 samples", output, StringComparison.Ordinal);
        Assert.Contains($"  evaluation: 5 samples, unlabelled folder, from '{_folder.Combine("eval")}'", output, StringComparison.Ordinal);
        Assert.Contains("  criterion: top1_agreement relative 0.05; max_trials 3; timeout 60 s; on_failure error", output,
            StringComparison.Ordinal);
        Assert.Contains("fall back each op type (worst node's first), then nodes in SQNR order, at most 3 trials", output,
            StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.Combine("out.onnx")));
    }

    [Fact]
    public void Dry_run_without_an_evaluation_folder_shows_the_seeded_split()
    {
        var result = Run("--dry-run", "--absolute-drop", "0.01");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("  calibration: 6 samples (after holding out 2)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("seeded split of the calibration data", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("(share 0.2, seed 0)", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missed_criterion_is_MB8180_and_nothing_is_written_on_failure_warning_writes_the_model()
    {
        // No fallback trial (falling back Conv would leave nothing quantized and meet any criterion): cosine stays below 1.
        var failed = Run("--evaluation", _folder.Combine("eval"), "--metric", "cosine", "--absolute-drop", "0", "--max-trials", "0");

        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("error MB8180: The INT8 model misses the accuracy criterion: cosine FP32 1, INT8 ", failed.StandardError,
            StringComparison.Ordinal);
        Assert.Contains("criterion absolute 0, after 0 trial(s) (max_trials 0 spent)", failed.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.Combine("out.onnx")));

        var warned = Run("--evaluation", _folder.Combine("eval"),
            "--metric", "cosine", "--absolute-drop", "0", "--max-trials", "0", "--on-failure", "warning");

        Assert.True(warned.ExitCode == 0, warned.ToString());
        Assert.Contains("warning MB8181", warned.StandardError, StringComparison.Ordinal);
        Assert.Contains("ModelBuild: tiny.onnx: cosine on 5 held-out samples (unlabelled folder): FP32 1, INT8 ", warned.StandardOutput,
            StringComparison.Ordinal);
        Assert.True(File.Exists(_folder.Combine("out.onnx")));
    }

    [Fact]
    public void Both_drops_at_once_are_MB8187()
    {
        var result = Run("--relative-drop", "0.01", "--absolute-drop", "0.01");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("MB8187", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    private EngineResult Run(params string[] arguments) =>
        EngineProcess.Run(["quantize", _model, "--shape", "1,3,8,8", "--calibration", _folder.Combine("calibration"),
            "-o", _folder.Combine("out.onnx"), .. arguments]);

    private void WriteSamples(string folder, int count, float scale)
    {
        Directory.CreateDirectory(_folder.Combine(folder));
        for (var i = 0; i < count; i++)
        {
            var values = TinyConvNet.SampleInput(1).Select(v => v * scale * (1 + (0.1f * i))).ToArray();
            NpyFile.Write(_folder.Combine(folder, $"{i:D2}.npy"), Tensor.Create(values, [1, 3, 8, 8]));
        }
    }
}
