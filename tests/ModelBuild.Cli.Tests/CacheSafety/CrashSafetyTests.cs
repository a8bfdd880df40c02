using System.Diagnostics;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Cli.Tests.CacheSafety;

/// <summary>
/// The engine killed with SIGKILL at random moments of a cold build: whatever it was doing, the cache
/// it leaves holds nothing corrupt (<c>cache verify</c> agrees) and the next run succeeds with the
/// same output as an undisturbed build.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CrashSafetyTests : IDisposable
{
    private const int Kills = 20;

    // Fixed, so a failure can be replayed; the kill points still spread over the whole build.
    private const int Seed = 5_2024;

    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Killing_the_engine_at_random_points_of_a_cold_build_never_corrupts_the_cache()
    {
        var reference = Path.Combine(_workspace.Root, "reference");
        var timer = Stopwatch.StartNew();
        var first = await EngineProcess.RunAsync(Compile(Path.Combine(_workspace.Root, "reference-cache"), reference));
        var coldBuild = timer.Elapsed;
        Assert.True(first.ExitCode == 0, first.ToString());
        var expected = File.ReadAllBytes(Path.Combine(reference, "tiny.onnx"));

        var random = new Random(Seed);
        var killed = 0;
        for (var round = 0; killed < Kills && round < 3 * Kills; round++)
        {
            var cache = Path.Combine(_workspace.Root, $"cache-{round}");
            var output = Path.Combine(_workspace.Root, $"out-{round}");
            using (var engine = EngineRequests.Start(Compile(cache, output)))
            {
                var started = Stopwatch.StartNew();
                await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * coldBuild.TotalMilliseconds));
                if (!engine.HasExited)
                {
                    engine.Kill(); // SIGKILL on Unix: no handler, no finally blocks.
                    killed++;
                }
                else
                {
                    // Finished first (the machine is quieter than during the reference run): aim earlier from now on.
                    coldBuild = started.Elapsed < coldBuild ? started.Elapsed : coldBuild;
                }

                await engine.WaitForExitAsync();
            }

            var verify = await EngineProcess.RunAsync(["cache", "verify", "--cache-dir", cache]);
            Assert.True(verify.ExitCode == 0, $"round {round}: {verify}");
            Assert.Contains(" 0 corrupt blobs, 0 corrupt records", verify.StandardOutput, StringComparison.Ordinal);

            var again = await EngineProcess.RunAsync(Compile(cache, output));
            Assert.True(again.ExitCode == 0, $"round {round}: {again}");
            Assert.Equal(expected, File.ReadAllBytes(Path.Combine(output, "tiny.onnx")));
        }

        Assert.Equal(Kills, killed);
    }

    private string[] Compile(string cache, string output) =>
        ["compile", _workspace.ManifestPath, "--output-dir", output, "--cache-dir", cache];
}
