using ModelBuild.Core.Manifest;
using ModelBuild.Core.Targets;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Tests.Toolchains;

/// <summary>
/// A manifest, a prepared model and stand-in tools in a temporary folder, turned into vendor compile
/// requests. Tool discovery sees only the stand-ins (an empty PATH and no MODELBUILD_* variables).
/// </summary>
internal sealed class VendorFixture : IDisposable
{
    /// <summary>The manifest's common part: one image input with ImageNet mean and scale; a target section follows.</summary>
    public const string ImageNetManifest = """
        input_model: m.onnx
        inputs:
          - name: x
            shape: [1, 3, 8, 8]
            mean_values: imagenet
            scale_values: imagenet

        """;

    public VendorFixture()
    {
        Directory.CreateDirectory(Folder.Combine("models"));
        ModelPath = Folder.Combine("prepared", "m.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(ModelPath)!);
        File.WriteAllBytes(ModelPath, TinyConvNet.Bytes());
    }

    public TemporaryDirectory Folder { get; } = new();

    public StandInTools Tools { get; } = new();

    public string ModelPath { get; set; }

    public string ManifestPath => Folder.Combine("models", "m.yaml");

    public string WorkDirectory => Folder.Combine("work");

    /// <summary>Variables the compile sees; everything else reads as unset.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal) { ["PATH"] = string.Empty };

    /// <summary>A request for the manifest text, with the model's input x [?, 3, 8, 8] float32 and output y [1, 4].</summary>
    public VendorCompileRequest Request(string yaml, string target, Precision precision, bool nnArchive = false)
    {
        File.WriteAllText(ManifestPath, yaml);
        var load = ManifestLoader.Load(ManifestPath);
        Assert.True(load.Succeeded, string.Join("\n", load.Diagnostics));
        var stage = load.Manifest!.SingleStage!;
        var resolution = ManifestInputResolver.Resolve(stage, [new ModelInput("x", [null, 3, 8, 8], TensorDataType.Float32)]);
        Assert.True(resolution.Succeeded, string.Join("\n", resolution.Diagnostics));
        return new VendorCompileRequest(
            ModelPath,
            "m",
            stage,
            resolution.Inputs,
            [new VendorOutput("y", [1, 4], TensorDataType.Float32)],
            TargetCatalog.Find(target)!,
            precision,
            WorkDirectory)
        {
            ToolPaths = Tools.Paths,
            Environment = name => Environment.GetValueOrDefault(name),
            WriteNnArchive = nnArchive,
            ToolTimeout = TimeSpan.FromMinutes(5),
        };
    }

    /// <summary>Plans and compiles through <paramref name="route"/>.</summary>
    public static async Task<VendorCompileResult> CompileAsync(VendorCompileRequest request, VendorRoute route)
    {
        var toolchain = VendorToolchains.For(route);
        var plan = await toolchain.PlanAsync(request, CancellationToken.None);
        return await toolchain.CompileAsync(plan, CancellationToken.None);
    }

    /// <summary>Writes PNG calibration images with ImageMagick into models/calibration/.</summary>
    public string CalibrationImages(int count) => WriteCalibrationImages(Folder.Combine("models", "calibration"), count);

    /// <summary>Writes <paramref name="count"/> 16×12 PNG gradients img0.png... with ImageMagick into <paramref name="folder"/>; returns
    /// it.</summary>
    public static string WriteCalibrationImages(string folder, int count)
    {
        Directory.CreateDirectory(folder);
        ModelBuild.Tests.DebianPackage.ImageMagick.Require("/usr/bin/convert");
        for (var i = 0; i < count; i++)
        {
            var result = ModelBuild.Tests.ProcessRunner.Run(
                "convert",
                ["-size", "16x12", $"gradient:rgb({40 * i},10,200)-rgb(250,{30 * i},0)", Path.Combine(folder, $"img{i}.png")]);
            Assert.True(result.Succeeded, result.Output);
        }

        return folder;
    }

    public void Dispose()
    {
        Tools.Dispose();
        Folder.Dispose();
    }
}
