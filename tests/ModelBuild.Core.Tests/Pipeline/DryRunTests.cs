using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>
/// A dry run walks the compile's own steps: for every target and precision it lists the steps the compile runs, in
/// the same order, with the same keys (PaddleOCR's text-line classifier, a real model).
/// </summary>
[Trait("Category", "Integration")]
public sealed class DryRunTests(PaddleOcrWorkspace workspace) : IClassFixture<PaddleOcrWorkspace>
{
    private const string Model = "cls";

    public static TheoryData<string, string> TargetsAndPrecisions()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in TargetCatalog.All)
        {
            foreach (var precision in Precision.All)
            {
                data.Add(target.Name, precision.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TargetsAndPrecisions))]
    public async Task The_dry_run_lists_the_steps_and_keys_of_the_real_run(string target, string precision)
    {
        var compiled = await workspace.CompileAsync(Model, target, precision);
        var preview = await workspace.PreviewAsync(Model, target, precision);

        // A precision the target refuses fails both the same way, before any step; only the compile learns of
        // missing vendor tools and of checks against the original.
        var errors = compiled.Diagnostics.Where(d => d.IsError).Select(d => d.Code).ToList();
        Assert.All(preview.Diagnostics.Where(d => d.IsError), d => Assert.Contains(d.Code, errors));
        var ran = compiled.Actions.Select(a => (Action: a.Description[(Model.Length + 2)..].Split(' ')[0], Key: (string?)a.Key)).ToList();
        var listed = preview.Steps.Select(s => (s.Action, Key: s.Key?.Hex)).ToList();
        if (TargetCatalog.Find(target)!.UsesVendorToolchain && preview.Succeeded)
        {
            // The vendor's key needs its tools' versions, which a dry run does not run them to learn; this machine has no tools.
            var vendor = listed[^1];
            Assert.Equal(("vendor-compile", null), vendor);
            listed.RemoveAt(listed.Count - 1);
        }

        Assert.Equal(ran, listed);
        if (preview.Succeeded)
        {
            Assert.Equal(["inspect", "prepare"], listed.Select(s => s.Action).Take(2));
        }

        Assert.All(preview.Steps.Where(s => s.Key is not null), s => Assert.True(s.Cached, s.Action));
        if (preview.Succeeded && Precision.Find(precision)!.Quantized && !VendorQuantizes(target))
        {
            Assert.Contains("quantize", listed.Select(s => s.Action));
        }
    }

    private static bool VendorQuantizes(string target) => target is "rvc3" or "rvc4" or "hailo";
}
