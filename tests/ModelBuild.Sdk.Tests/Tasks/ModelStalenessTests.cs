using ModelBuild.Tasks;

namespace ModelBuild.Sdk.Tests.Tasks;

/// <summary>The per-model up-to-date decision the task makes from file times, before it starts any engine.</summary>
public sealed class ModelStalenessTests : IDisposable
{
    private static readonly DateTime Compiled = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("modelbuild-staleness-");

    public ModelStalenessTests()
    {
        Write("model.yaml", Compiled.AddHours(-2));
        Write("inputs.stamp", Compiled.AddHours(-2));
        Write("model.onnx", Compiled.AddHours(-2));
        Write("deps.txt", Compiled, PathOf("model.yaml") + "\n" + PathOf("model.onnx") + "\n");
        Write("model.json", Compiled);
    }

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void A_result_newer_than_every_input_and_dependency_is_up_to_date() =>
        Assert.Null(Check());

    [Fact]
    public void A_model_never_compiled_is_stale() =>
        Assert.Equal(
            "it has not been compiled yet",
            ModelStaleness.Check(PathOf("missing.json"), [PathOf("model.yaml")], PathOf("deps.txt")));

    [Fact]
    public void An_input_newer_than_the_result_makes_it_stale_and_is_named()
    {
        File.SetLastWriteTimeUtc(PathOf("inputs.stamp"), Compiled.AddSeconds(1));

        Assert.Equal($"'{PathOf("inputs.stamp")}' changed", Check());
    }

    [Fact]
    public void A_dependency_from_the_last_compile_that_changed_or_vanished_makes_it_stale()
    {
        File.SetLastWriteTimeUtc(PathOf("model.onnx"), Compiled.AddMinutes(1));
        Assert.Equal($"'{PathOf("model.onnx")}' changed", Check());

        File.Delete(PathOf("model.onnx"));
        Assert.Equal($"'{PathOf("model.onnx")}' no longer exists", Check());
    }

    private string? Check()
        => ModelStaleness.Check(PathOf("model.json"), [PathOf("model.yaml"), PathOf("inputs.stamp")], PathOf("deps.txt"));

    private string PathOf(string name) => Path.Combine(_folder.FullName, name);

    private void Write(string name, DateTime time, string content = "x")
    {
        File.WriteAllText(PathOf(name), content);
        File.SetLastWriteTimeUtc(PathOf(name), time);
    }
}
