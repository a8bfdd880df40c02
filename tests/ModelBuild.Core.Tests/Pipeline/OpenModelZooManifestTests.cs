using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Tests.Sources;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>
/// An Open Model Zoo <c>model.yml</c> used as a manifest: its ONNX file is fetched from a loopback server and
/// verified by its SHA-384 and size, <c>input_info</c> fixes the input, <c>model_info.labels</c> reaches the
/// compiled model; a wrong checksum, a framework that is not ONNX or a failing postprocessing step is one
/// coded error at the line to fix, with the cache and outputs as they were.
/// </summary>
public sealed class OpenModelZooManifestTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();
    private readonly LoopbackServer _server = new();

    public OpenModelZooManifestTests()
    {
        Directory.CreateDirectory(ModelFolder);
        _server.Serve("/zoo/tiny.onnx", _workspace.ModelBytes);
    }

    private string ModelFolder => Path.Combine(_workspace.ModelsFolder, "tiny-zoo");

    private string ModelYml => Path.Combine(ModelFolder, "model.yml");

    public void Dispose()
    {
        _server.Dispose();
        _workspace.Dispose();
    }

    private static string Sha384(byte[] bytes) => Convert.ToHexStringLower(SHA384.HashData(bytes));

    private string Yml(string framework = "onnx", string? checksum = null, string files = "", string extra = "") => $"""
        description: A tiny convolutional network.
        task_type: classification
        files:
          - name: tiny.onnx
            size: {_workspace.ModelBytes.Length}
            checksum: {checksum ?? Sha384(_workspace.ModelBytes)}
            source: {_server.BaseUrl}zoo/tiny.onnx
        {files}framework: {framework}
        input_info:
          - name: x
            shape: [1, 3, 8, 8]
            layout: NCHW
        license: https://example.invalid/LICENSE
        {extra}
        """;

    private Task<ModelCompileOutcome> CompileAsync() =>
        _workspace.CompileAsync(new ModelCompileRequest(ModelYml, "tiny", "onnx", "FP32", null, null));

    [Fact]
    public async Task An_onnx_model_yml_compiles_with_its_input_shape_and_labels()
    {
        File.WriteAllText(ModelYml, Yml(extra: "model_info:\n  labels: [cat, dog]\n"));

        var outcome = await CompileAsync();

        Assert.DoesNotContain(outcome.Diagnostics, d => d.IsError);
        var model = Assert.IsType<CompiledModel>(outcome.Model);
        Assert.Equal(["cat", "dog"], model.Labels);
        var input = Assert.Single(model.Inputs);
        Assert.Equal([1L, 3, 8, 8], input.Shape);
        var request = Assert.Single(_server.RequestsFor("/zoo/tiny.onnx"));
        Assert.Null(request.Range);

        // The compiled model computes what the original does on the fixed batch of one.
        var compiled = _workspace.ReadCompiled(model.Files[0]);
        var batch = TinyConvNet.SampleInput(1);
        Assert.Equal(TinyConvNet.Run(_workspace.ModelBytes, batch, 1), TinyConvNet.Run(compiled, batch, 1));
    }

    [Fact]
    public async Task The_model_optimizer_preprocessing_is_published_by_the_accessor()
    {
        File.WriteAllText(ModelYml, Yml(extra: """
            model_optimizer_args:
              - --input=x
              - --mean_values=x[123.675,116.28,103.53]
              - --scale_values=[58.395,57.12,57.375]
              - --reverse_input_channels
              - --input_model=$dl_dir/tiny.onnx
            """));

        var outcome = await CompileAsync();

        Assert.Empty(outcome.Diagnostics);
        var input = Assert.Single(Assert.IsType<CompiledModel>(outcome.Model).Inputs);
        Assert.Equal([123.675, 116.28, 103.53], input.Mean!);
        Assert.Equal([58.395, 57.12, 57.375], input.Scale!);

        // --reverse_input_channels: the original model was trained on RGB (Open Model Zoo itself feeds BGR).
        Assert.Equal("RGB", input.Encoding);
    }

    [Fact]
    public async Task Without_reverse_input_channels_the_model_takes_BGR_and_an_unreadable_mean_is_MB2120()
    {
        File.WriteAllText(ModelYml, Yml(extra: """
            model_optimizer_args:
              - --mean_values=x[1;2;3]
              - --input_model=$dl_dir/tiny.onnx
            """));

        var outcome = await CompileAsync();

        var warning = Assert.Single(outcome.Diagnostics);
        Assert.Equal(("MB2120", 15, 5), (warning.Code, warning.Location!.Line, warning.Location.Column));
        var input = Assert.Single(Assert.IsType<CompiledModel>(outcome.Model).Inputs);
        Assert.Null(input.Mean);
        Assert.Equal("BGR", input.Encoding);
    }

    [Fact]
    public async Task Labels_named_by_file_are_read_from_open_model_zoo_data_folder_and_are_a_dependency()
    {
        // Open Model Zoo's layout: <root>/data/dataset_classes/<file>, the model under <root>/models/...
        var classes = Path.Combine(_workspace.Root, "data", "dataset_classes", "two_classes.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(classes)!);
        File.WriteAllText(classes, "background\nperson\n\n");
        File.WriteAllText(ModelYml, Yml(extra: "model_info:\n  model_type: classification\n  labels: two_classes.txt\n"));

        var outcome = await CompileAsync();

        var model = Assert.IsType<CompiledModel>(outcome.Model);
        Assert.Equal(["background", "person"], model.Labels);
        Assert.Contains(classes, outcome.Dependencies);
    }

    [Fact]
    public async Task A_missing_labels_file_is_MB2119_at_the_labels_line()
    {
        File.WriteAllText(ModelYml, Yml(extra: "model_info:\n  labels: nowhere.txt\n"));

        var error = Assert.Single((await CompileAsync()).Diagnostics, d => d.IsError);

        Assert.Equal("MB2119", error.Code);
        Assert.Equal(new SourceLocation(ModelYml, 15, 11), error.Location);
        Assert.Contains("nowhere.txt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_checksum_is_an_error_naming_both_digests_and_leaves_cache_and_outputs_untouched()
    {
        File.WriteAllText(ModelYml, Yml());
        Assert.NotNull((await CompileAsync()).Model);
        var wrong = Sha384(Encoding.UTF8.GetBytes("another model"));
        File.WriteAllText(ModelYml, Yml(checksum: wrong));
        var before = _workspace.Snapshot();

        var outcome = await CompileAsync();

        Assert.Null(outcome.Model);
        var error = Assert.Single(outcome.Diagnostics, d => d.IsError);
        Assert.Equal("MB2012", error.Code);
        Assert.Equal(new SourceLocation(ModelYml, 7, 13), error.Location);
        Assert.Contains(wrong, error.Message, StringComparison.Ordinal);
        Assert.Contains(Sha384(_workspace.ModelBytes), error.Message, StringComparison.Ordinal);
        _workspace.Snapshot().AssertUnchangedSince(before);
        Assert.Empty(_workspace.CacheTempFiles());
    }

    [Theory]
    [InlineData("tf", "MB6132")]
    [InlineData("pytorch", "MB6132")]
    [InlineData("caffe", "MB2117")]
    [InlineData("dldt", "MB2116")]
    public async Task A_framework_that_cannot_be_compiled_or_converted_as_written_is_a_coded_error_on_the_framework_line(
        string framework,
        string code)
    {
        File.WriteAllText(ModelYml, Yml(framework: framework));

        var outcome = await CompileAsync();

        var error = Assert.Single(outcome.Diagnostics, d => d.IsError);
        Assert.Equal(code, error.Code);
        Assert.Equal(new SourceLocation(ModelYml, 8, 12), error.Location);
        Assert.Contains(code == "MB2116" ? "openvino" : "ONNX", error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task The_onnx_file_unpacked_from_an_archive_by_postprocessing_is_compiled()
    {
        var archive = Zip(("nested/tiny.onnx", _workspace.ModelBytes));
        _server.Serve("/zoo/tiny.zip", archive);
        File.WriteAllText(ModelYml, $"""
            description: A tiny convolutional network, zipped.
            task_type: classification
            files:
              - name: tiny.zip
                size: {archive.Length}
                checksum: {Sha384(archive)}
                source:
                  $type: http
                  url: {_server.BaseUrl}zoo/tiny.zip
            postprocessing:
              - $type: unpack_archive
                file: tiny.zip
                format: zip
            framework: onnx
            model_optimizer_args:
              - --input_model=$dl_dir/nested/tiny.onnx
            input_info:
              - name: x
                shape: [1, 3, 8, 8]
            license: https://example.invalid/LICENSE
            """);

        var outcome = await CompileAsync();

        Assert.DoesNotContain(outcome.Diagnostics, d => d.IsError);
        var model = Assert.IsType<CompiledModel>(outcome.Model);
        var batch = TinyConvNet.SampleInput(1);
        Assert.Equal(TinyConvNet.Run(_workspace.ModelBytes, batch, 1), TinyConvNet.Run(_workspace.ReadCompiled(model.Files[0]), batch, 1));

        // The second build finds the archive by its checksum and the postprocessing in the action cache.
        var again = await CompileAsync();
        Assert.Equal((0, outcome.ActionsRun), (again.ActionsRun, again.ActionsCached));
        Assert.Equal(model.Files[0].Blob, again.Model!.Files[0].Blob);
        Assert.Single(_server.RequestsFor("/zoo/tiny.zip"));
    }

    [Fact]
    public async Task A_regex_replace_without_matches_is_MB2113_at_its_file_line()
    {
        var notes = Encoding.UTF8.GetBytes("threshold = 0.5\n");
        _server.Serve("/zoo/notes.txt", notes);
        File.WriteAllText(ModelYml, Yml(
            files: $"""
              - name: notes.txt
                size: {notes.Length}
                checksum: {Sha384(notes)}
                source: {_server.BaseUrl}zoo/notes.txt
            postprocessing:
              - $type: regex_replace
                file: notes.txt
                pattern: 'anchors = \d+'
                replacement: 'anchors = 3'

            """));

        var outcome = await CompileAsync();

        var error = Assert.Single(outcome.Diagnostics, d => d.IsError);
        Assert.Equal("MB2113", error.Code);
        Assert.Equal(new SourceLocation(ModelYml, 14, 11), error.Location);
        Assert.Contains("matches nothing", error.Message, StringComparison.Ordinal);
        Assert.Null(outcome.Model);
    }

    private static byte[] Zip(params (string Name, byte[] Bytes)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(bytes);
            }
        }

        return buffer.ToArray();
    }
}
