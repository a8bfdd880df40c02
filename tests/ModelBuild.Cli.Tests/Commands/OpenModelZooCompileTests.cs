using System.Security.Cryptography;
using ModelBuild.Core.Tests.Pipeline;

namespace ModelBuild.Cli.Tests.Commands;

/// <summary><c>modelbuild compile</c> of an Open Model Zoo <c>model.yml</c>: the model is named after its folder, as Open Model Zoo names
/// it.</summary>
public sealed class OpenModelZooCompileTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void A_model_yml_compiles_under_its_folder_s_name()
    {
        var folder = Path.Combine(_workspace.ModelsFolder, "tiny-zoo");
        Directory.CreateDirectory(folder);
        File.Copy(_workspace.ModelPath, Path.Combine(folder, "tiny.onnx"));
        var modelYml = Path.Combine(folder, "model.yml");
        File.WriteAllText(modelYml, $"""
            description: A tiny convolutional network.
            task_type: classification
            files:
              - name: tiny.onnx
                size: {_workspace.ModelBytes.Length}
                checksum: {Convert.ToHexStringLower(SHA384.HashData(_workspace.ModelBytes))}
                source: file:tiny.onnx
            framework: onnx
            input_info:
              - name: x
                shape: [1, 3, 8, 8]
            license: https://example.invalid/LICENSE
            """);
        var output = Path.Combine(_workspace.Root, "out");

        var result = EngineProcess.Run("compile", modelYml, "--output-dir", output, "--cache-dir", _workspace.CacheDir);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(output, "tiny-zoo.onnx")), result.ToString());
    }
}
