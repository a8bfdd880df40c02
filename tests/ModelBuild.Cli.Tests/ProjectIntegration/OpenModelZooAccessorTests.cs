using System.Security.Cryptography;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Core.Tests.Sources;
using ModelBuild.Protocol;

namespace ModelBuild.Cli.Tests.ProjectIntegration;

/// <summary>
/// A <c>ModelReference</c> to an Open Model Zoo <c>model.yml</c>, compiled by the engine as the MSBuild task
/// runs it: the ONNX file comes from a loopback server, and <c>model_info.labels</c> reaches the model's
/// result record and the generated accessor's <c>Labels</c>.
/// </summary>
public sealed class OpenModelZooAccessorTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();
    private readonly LoopbackServer _server = new();

    public void Dispose()
    {
        _server.Dispose();
        _workspace.Dispose();
    }

    [Fact]
    public async Task Accessor_of_a_model_yml_exposes_its_labels_in_order()
    {
        _server.Serve("/zoo/tiny.onnx", _workspace.ModelBytes);
        var folder = Path.Combine(_workspace.ModelsFolder, "tiny-zoo");
        Directory.CreateDirectory(folder);
        var modelYml = Path.Combine(folder, "model.yml");
        File.WriteAllText(modelYml, $"""
            description: A tiny convolutional network.
            task_type: classification
            files:
              - name: tiny.onnx
                size: {_workspace.ModelBytes.Length}
                checksum: {Convert.ToHexStringLower(SHA384.HashData(_workspace.ModelBytes))}
                source: {_server.BaseUrl}zoo/tiny.onnx
            framework: onnx
            input_info:
              - name: x
                shape: [1, 3, 8, 8]
                layout: NCHW
            license: https://example.invalid/LICENSE
            model_info:
              labels: [tabby cat, 'say "dog"']
            """);
        var accessorPath = Path.Combine(_workspace.Root, "obj", "ModelBuild", "Models.g.cs");
        var requestPath = Path.Combine(_workspace.Root, "obj", "ModelBuild", EngineFiles.Request);
        Directory.CreateDirectory(Path.GetDirectoryName(requestPath)!);
        File.WriteAllText(requestPath, EngineJson.Write(new CompileRequest(
            Path.Combine(_workspace.Root, "App.csproj"),
            _workspace.CacheDir,
            CacheSalt: null,
            new AccessorRequest(accessorPath, "App.Ml", "Models", Public: true),
            [new ModelRequest(modelYml, "tiny", "onnx", "FP32", LogicalName: null, "App.Models.", _workspace.OutputDir, Stale: true)])));

        var result = await EngineProcess.RunAsync(["compile", "--request", requestPath]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var code = File.ReadAllText(accessorPath);
        var labels = code.IndexOf(
            "public static global::System.Collections.Generic.IReadOnlyList<string> Labels { get; } = new string[]",
            StringComparison.Ordinal);
        Assert.True(labels > 0, code);
        var first = code.IndexOf("\"tabby cat\",", labels, StringComparison.Ordinal);
        var second = code.IndexOf("\"say \\\"dog\\\"\",", labels, StringComparison.Ordinal);
        Assert.True(first > labels && second > first, code);
        Assert.Equal(["tabby cat", "say \"dog\""], EngineJson.ReadResult(Path.Combine(_workspace.OutputDir, EngineFiles.Result)).Labels);
    }
}
