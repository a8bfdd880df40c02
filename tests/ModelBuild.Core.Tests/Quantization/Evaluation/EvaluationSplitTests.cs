using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Quantization.Evaluation;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Tests.Quantization.Evaluation;

/// <summary>The evaluation set's forms (class-per-folder, labels file, labels.npy, seeded split), read from .npy samples.</summary>
public sealed class EvaluationSplitTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public EvaluationSplitTests()
    {
        for (var i = 0; i < 10; i++)
        {
            Sample("cal", $"c{i}.npy", i);
        }
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Class_per_folder_labels_folders_in_ordinal_order_without_manifest_labels()
    {
        Sample("eval/dog", "a.npy", 100);
        Sample("eval/cat", "b.npy", 101);
        Sample("eval/cat", "c.npy", 102);
        var set = Open(new EvaluationSettings("eval")).Evaluation;
        Assert.Equal("class-per-folder", set.Form);
        Assert.Equal(["cat", "dog"], set.Classes);
        Assert.Equal([("cat/b.npy", 0), ("cat/c.npy", 0), ("dog/a.npy", 1)], set.Samples.Select(s => (s.Name, s.Label!.Value)));
        Assert.Equal(101f, set.Read().First().Inputs[0].Value.AsSpan<float>()[0]);
    }

    [Fact]
    public void Class_per_folder_takes_the_index_of_the_manifests_labels()
    {
        Sample("eval/dog", "a.npy", 100);
        Sample("eval/cat", "b.npy", 101);
        var set = Open(new EvaluationSettings("eval", Labels: ["background", "dog", "cat"])).Evaluation;
        Assert.Equal([("cat/b.npy", 2), ("dog/a.npy", 1)], set.Samples.Select(s => (s.Name, s.Label!.Value)));
    }

    [Fact]
    public void A_class_folder_that_is_not_a_label_is_MB8184()
    {
        Sample("eval/bird", "a.npy", 100);
        var e = Assert.Throws<DiagnosticException>(() => Open(new EvaluationSettings("eval", Labels: ["dog", "cat"])));
        Assert.Equal("MB8184", e.Diagnostic.Code);
        Assert.Contains("bird", e.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("val.txt", "a.npy 1\nb.npy 0\n")]
    [InlineData("labels.csv", "file,label\na.npy,1\nb.npy,0\n")]
    public void A_labels_file_gives_each_listed_file_its_class(string name, string text)
    {
        Sample("eval", "a.npy", 100);
        Sample("eval", "b.npy", 101);
        Sample("eval", "unlisted.npy", 102);
        File.WriteAllText(_folder.Combine("eval", name), text);
        var set = Open(new EvaluationSettings("eval", LabelsFile: name)).Evaluation;
        Assert.Equal("labels file", set.Form);
        Assert.Equal([("a.npy", 1), ("b.npy", 0)], set.Samples.Select(s => (s.Name, s.Label!.Value)));
    }

    [Fact]
    public void A_labels_file_line_naming_a_missing_file_is_MB8185_with_its_line()
    {
        Sample("eval", "a.npy", 100);
        File.WriteAllText(_folder.Combine("eval", "val.txt"), "a.npy 0\nmissing.npy 1\n");
        var e = Assert.Throws<DiagnosticException>(() => Open(new EvaluationSettings("eval", LabelsFile: "val.txt")));
        Assert.Equal("MB8185", e.Diagnostic.Code);
        Assert.Contains("line 2", e.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npy_inputs_with_labels_npy_are_labelled_in_file_order()
    {
        Sample("eval", "x0.npy", 100);
        Sample("eval", "x1.npy", 101);
        NpyFile.Write(_folder.Combine("eval", "labels.npy"), Tensor.Create(new long[] { 3, 1 }, [2]));
        var set = Open(new EvaluationSettings("eval")).Evaluation;
        Assert.Equal("labels.npy", set.Form);
        Assert.Equal([("x0.npy", 3), ("x1.npy", 1)], set.Samples.Select(s => (s.Name, s.Label!.Value)));
    }

    [Fact]
    public void The_seeded_split_is_deterministic_disjoint_and_changes_with_the_seed()
    {
        var first = Open(new EvaluationSettings(null, SplitFraction: 0.3));
        var again = Open(new EvaluationSettings(null, SplitFraction: 0.3));
        var other = Open(new EvaluationSettings(null, SplitFraction: 0.3, Seed: 7));
        Assert.Equal(3, first.Evaluation.Count);
        Assert.Equal(7, first.Calibration.Count);
        Assert.Equal(first.Evaluation.Samples.Select(s => s.Name), again.Evaluation.Samples.Select(s => s.Name));
        Assert.NotEqual(first.Evaluation.Samples.Select(s => s.Name), other.Evaluation.Samples.Select(s => s.Name));
        var calibrated = first.Calibration.Read().Select(s => s.Name).ToList();
        Assert.Equal(7, calibrated.Count);
        Assert.Empty(calibrated.Intersect(first.Evaluation.Samples.Select(s => s.Name)));
        Assert.False(first.Evaluation.IsLabelled);
    }

    [Fact]
    public void Max_images_keeps_a_seeded_subset_in_the_sets_order()
    {
        for (var i = 0; i < 6; i++)
        {
            Sample(i % 2 == 0 ? "eval/a" : "eval/b", $"s{i}.npy", 200 + i);
        }

        var set = Open(new EvaluationSettings("eval", MaxImages: 4)).Evaluation;
        Assert.Equal(4, set.Count);
        Assert.Equal(set.Samples.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => s.Name), set.Samples.Select(s => s.Name));
        Assert.Equal(set.Samples.Select(s => s.Name), Open(new EvaluationSettings("eval", MaxImages: 4)).Evaluation.Samples.Select(s
            => s.Name));
    }

    [Fact]
    public void A_sample_in_both_sets_is_MB8182_naming_both_files()
    {
        Sample("eval/a", "same-as-c3.npy", 3);
        var e = Assert.Throws<DiagnosticException>(() => Open(new EvaluationSettings("eval")));
        Assert.Equal("MB8182", e.Diagnostic.Code);
        Assert.Contains(_folder.Combine("eval", "a", "same-as-c3.npy"), e.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains(_folder.Combine("cal", "c3.npy"), e.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_folder_is_MB8184()
    {
        var e = Assert.Throws<DiagnosticException>(() => Open(new EvaluationSettings("nowhere")));
        Assert.Equal("MB8184", e.Diagnostic.Code);
    }

    private EvaluationSplit Open(EvaluationSettings settings)
    {
        var input = new CalibrationInput("x", TensorElementType.Float, [1, 2],
            new ImageCalibration(new Located<string>("cal", new SourceLocation("m.yaml"))), null, _folder.FullPath);
        return EvaluationSplit.Open(settings, [input])!;
    }

    private void Sample(string folder, string name, float value)
    {
        Directory.CreateDirectory(_folder.Combine(folder));
        NpyFile.Write(Path.Combine(_folder.Combine(folder), name), Tensor.Create(new[] { value, -value }, [1, 2]));
    }
}
