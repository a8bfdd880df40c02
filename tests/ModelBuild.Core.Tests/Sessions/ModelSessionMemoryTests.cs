using System.Globalization;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;
using Xunit.Abstractions;

namespace ModelBuild.Core.Tests.Sessions;

/// <summary>
/// Creates and disposes thousands of sessions and runs a hundred thousand inferences, through the
/// success and the error paths, and checks that the process's resident memory stays flat.
/// </summary>
[Trait("Category", "Integration")]
[Collection(MemoryMeasurement.Name)]
public sealed class ModelSessionMemoryTests(ITestOutputHelper output)
{
    private const int Sessions = 2_000;
    private const int Runs = 100_000;
    private const long AllowedGrowthBytes = 50L * 1024 * 1024;

    private static readonly byte[] NumericModel = SessionTestModels.TwoInThreeOut();
    private static readonly byte[] StringModel = SessionTestModels.Identity(TensorElementType.String, "n");
    private static readonly byte[] FailingModel = SessionTestModels.Build(
        [SessionTestModels.Node("Reshape", ["x", "shape"], ["y"])],
        [SessionTestModels.Value("x", TensorElementType.Float, "n"), SessionTestModels.Value("shape", TensorElementType.Int64, 1)],
        [SessionTestModels.ShapelessValue("y", TensorElementType.Float)]);

    private static readonly ModelSessionOptions QuietOptions = new() { LogSeverity = RuntimeLogSeverity.Fatal };

    [Fact]
    public void Sessions_and_runs_do_not_leak_native_or_managed_memory()
    {
        using var numeric = new ModelSession(NumericModel, QuietOptions);
        using var strings = new ModelSession(StringModel, QuietOptions);
        using var failing = new ModelSession(FailingModel, QuietOptions);

        // Warm-up: let ORT's arenas, thread pools and the JIT reach their working size first.
        CreateSessions(100);
        RunMany(numeric, strings, failing, 5_000);
        var baseline = SettledResidentBytes();

        CreateSessions(Sessions / 2);
        var afterSessions = SettledResidentBytes();
        RunMany(numeric, strings, failing, Runs / 2);
        var halfway = SettledResidentBytes();
        CreateSessions(Sessions / 2);
        RunMany(numeric, strings, failing, Runs / 2);
        var final = SettledResidentBytes();

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"resident memory: baseline {Mb(baseline)} MB, after {Sessions / 2} sessions {Mb(afterSessions)} MB, halfway {Mb(halfway)} " +
                $"MB, after {Sessions} sessions and {Runs} runs {Mb(final)} MB (growth {Mb(final - baseline)} MB, allowed " +
                    $"{Mb(AllowedGrowthBytes)} MB)"));
        Assert.True(final - baseline < AllowedGrowthBytes, $"Resident memory grew by {Mb(final - baseline)} MB.");
    }

    private static void CreateSessions(int count)
    {
        var input = new NamedTensor("x", Tensor.Create(new float[] { -1, 1, -2, 2 }, [1, 4]));
        for (var i = 0; i < count; i++)
        {
            var options = QuietOptions with
            {
                ConfigEntries = new Dictionary<string, string>
                {
                    ["session.disable_prepacking"] = (i % 2).ToString(CultureInfo.InvariantCulture)
                }
            };
            using var session = new ModelSession(SessionTestModels.Relu(), options);
            var y = session.Run([input])[0].Value.ToArray<float>();
            Assert.Equal(2f, y[3]);
        }
    }

    private static void RunMany(ModelSession numeric, ModelSession strings, ModelSession failing, int count)
    {
        var a = Tensor.Create(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var b = Tensor.Create(new long[] { 3, 4 }, [2]);
        var text = Tensor.Create(["alpha", "βeta", "", "日本語"], [4]);
        var badShape = new NamedTensor[] { new("x", Tensor.Create(new float[6], [6])), new("shape", Tensor.Create(new long[] { 4 }, [1])) };
        for (var i = 0; i < count; i++)
        {
            switch (i % 100)
            {
                case < 90:
                    var sum = numeric.Run([new NamedTensor("a", a), new NamedTensor("b", b)])[0].Value;
                    Assert.Equal(12f, sum.AsSpan<float>()[5]);
                    break;
                case < 99:
                    var echoed = strings.Run([new NamedTensor("x", text)])[0].Value.ToArray<string>();
                    Assert.Equal("日本語", echoed[3]);
                    break;
                default:
                    Assert.Throws<OnnxRuntimeErrorException>(() => failing.Run(badShape));
                    break;
            }
        }
    }

    private static long SettledResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Environment.WorkingSet;
    }

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F1", CultureInfo.InvariantCulture);
}
