using System.Security.Cryptography;
using System.Text.Json;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Core.Tests.Sources;
using ModelBuild.Protocol;

namespace ModelBuild.Cli.Tests.ProjectIntegration;

/// <summary>
/// An Open Model Zoo composite model (<c>composite-model.yml</c> and one <c>model.yml</c> per stage, the stages' ONNX file served
/// by a loopback server): listed and described as Open Model Zoo's tools do (the composite, not its stages; <c>model_stages</c> in
/// <c>stages_order</c>), downloaded stage by stage, and compiled as a multi-stage model whose accessor nests a class per stage.
/// </summary>
public sealed class OpenModelZooCompositeTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();
    private readonly LoopbackServer _server = new();

    public OpenModelZooCompositeTests()
    {
        _server.Serve("/zoo/tiny.onnx", _workspace.ModelBytes);
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(CompositeFolder).FullName, "composite-model.yml"), """
            description: A tiny two-stage pipeline.
            task_type: classification
            framework: onnx
            stages_order:
              - tiny-pipe-encoder
              - tiny-pipe-decoder
            license: https://example.invalid/LICENSE
            """);
        WriteStage("tiny-pipe-encoder", 1);
        WriteStage("tiny-pipe-decoder", 2);
    }

    private string Zoo => Path.Combine(_workspace.Root, "zoo");

    private string CompositeFolder => Path.Combine(Zoo, "public", "tiny-pipe");

    public void Dispose()
    {
        _server.Dispose();
        _workspace.Dispose();
    }

    [Fact]
    public void The_composite_is_listed_instead_of_its_stages_and_described_with_them_in_stages_order()
    {
        var printed = EngineProcess.Run("info", "--models_dir", Zoo, "--print_all");
        var info = EngineProcess.Run("info", "--models_dir", Zoo, "--all");

        Assert.True(printed.ExitCode == 0, printed.ToString());
        Assert.Equal("tiny-pipe\n", printed.StandardOutput);
        Assert.True(info.ExitCode == 0, info.ToString());
        var model = Assert.Single(JsonDocument.Parse(info.StandardOutput).RootElement.EnumerateArray());
        Assert.Equal("tiny-pipe", model.GetProperty("name").GetString());
        Assert.Equal("tiny-pipe", model.GetProperty("composite_model_name").GetString());
        Assert.Equal("public/tiny-pipe", model.GetProperty("subdirectory").GetString());
        Assert.Equal("classification", model.GetProperty("task_type").GetString());
        var stages = model.GetProperty("model_stages").EnumerateArray().ToList();
        Assert.Equal(["tiny-pipe-encoder", "tiny-pipe-decoder"], stages.Select(s => s.GetProperty("name").GetString()));
        Assert.All(stages, s => Assert.Equal("tiny-pipe", s.GetProperty("composite_model_name").GetString()));
        Assert.Equal("public/tiny-pipe/tiny-pipe-decoder", stages[1].GetProperty("subdirectory").GetString());
    }

    [Fact]
    public void Download_fetches_every_stage_into_its_own_folder()
    {
        var output = Path.Combine(_workspace.Root, "downloaded");

        var result = EngineProcess.Run(
            "download", "--models_dir", Zoo, "--name", "tiny-pipe", "-o", output, "--cache_dir", _workspace.CacheDir);

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var stage in new[] { "tiny-pipe-encoder", "tiny-pipe-decoder" })
        {
            Assert.Equal(_workspace.ModelBytes, File.ReadAllBytes(Path.Combine(output, "public", "tiny-pipe", stage, "tiny.onnx")));
        }
    }

    [Fact]
    public async Task A_composite_model_compiles_as_stages_in_stages_order_and_its_accessor_nests_a_class_per_stage()
    {
        var accessorPath = Path.Combine(_workspace.Root, "obj", "ModelBuild", "Models.g.cs");
        var requestPath = Path.Combine(_workspace.Root, "obj", "ModelBuild", EngineFiles.Request);
        Directory.CreateDirectory(Path.GetDirectoryName(requestPath)!);
        File.WriteAllText(requestPath, EngineJson.Write(new CompileRequest(
            Path.Combine(_workspace.Root, "App.csproj"),
            _workspace.CacheDir,
            CacheSalt: null,
            new AccessorRequest(accessorPath, "App.Ml", "Models", Public: true),
            [new ModelRequest(
                Path.Combine(CompositeFolder, "composite-model.yml"),
                "tiny-pipe",
                "onnx",
                "FP32",
                LogicalName: null,
                "App.Models.",
                _workspace.OutputDir,
                Stale: true) { MainStage = "tiny-pipe-decoder" }])));

        var result = await EngineProcess.RunAsync(["compile", "--request", requestPath]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var record = EngineJson.ReadResult(Path.Combine(_workspace.OutputDir, EngineFiles.Result));
        Assert.Equal("tiny-pipe-decoder", record.MainStage);
        Assert.Equal(["tiny-pipe-encoder", "tiny-pipe-decoder"], record.Stages!.Select(s => s.Name));
        Assert.Equal([2L, 3, 8, 8], record.Inputs[0].Shape);
        Assert.Equal(
            ["tiny-pipe.tiny-pipe-decoder.onnx", "tiny-pipe.tiny-pipe-encoder.onnx"],
            record.Outputs.Select(o => o.File));
        Assert.Equal(
            ["tiny-pipe.tiny-pipe-encoder.onnx"],
            record.Stages![0].Outputs.Select(o => o.File));
        Assert.All(record.Outputs, o => Assert.True(File.Exists(Path.Combine(_workspace.OutputDir, o.File)), o.File));

        var code = File.ReadAllText(accessorPath);
        var model = code.IndexOf("class TinyPipe\n", StringComparison.Ordinal);
        var encoder = code.IndexOf("class TinyPipeEncoder\n", StringComparison.Ordinal);
        var decoder = code.IndexOf("class TinyPipeDecoder\n", StringComparison.Ordinal);
        Assert.True(model > 0 && encoder > model && decoder > encoder, code);
        Assert.Contains("public const string MainStage = \"tiny-pipe-decoder\";", code, StringComparison.Ordinal);
        Assert.Contains(
            "public const string ResourceName = \"App.Models.tiny-pipe.tiny-pipe-encoder.onnx\";", code, StringComparison.Ordinal);
    }

    private void WriteStage(string name, int batch)
    {
        var folder = Directory.CreateDirectory(Path.Combine(CompositeFolder, name)).FullName;
        File.WriteAllText(Path.Combine(folder, "model.yml"), $"""
            description: One stage of the tiny pipeline.
            task_type: classification
            files:
              - name: tiny.onnx
                size: {_workspace.ModelBytes.Length}
                checksum: {Convert.ToHexStringLower(SHA384.HashData(_workspace.ModelBytes))}
                source: {_server.BaseUrl}zoo/tiny.onnx
            framework: onnx
            model_optimizer_args:
              - --input_model=$dl_dir/tiny.onnx
            input_info:
              - name: x
                shape: [{batch}, 3, 8, 8]
                layout: NCHW
            license: https://example.invalid/LICENSE
            """);
    }
}
