using System.Globalization;
using System.Text.RegularExpressions;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Tests.Pipeline;
using ModelBuild.Protocol;

namespace ModelBuild.Cli.Tests.ProjectIntegration;

/// <summary>
/// <c>modelbuild compile --request</c> as the MSBuild task runs it: a project's models, their output
/// folders and the generated accessor. The accessor's text is checked member by member here; whether
/// it compiles is for the end-to-end SDK tests, which have a compiler.
/// </summary>
public sealed class CompileRequestTests : IDisposable
{
    private readonly EngineWorkspace _workspace = new();

    public CompileRequestTests()
    {
        ProjectFile = Path.Combine(_workspace.Root, "App.csproj");
        AccessorPath = Path.Combine(_workspace.Root, "obj", "ModelBuild", "Models.g.cs");
        RequestPath = Path.Combine(_workspace.Root, "obj", "ModelBuild", EngineFiles.Request);
        WriteProject(target: "onnx", precision: "FP32");
    }

    public void Dispose() => _workspace.Dispose();

    private string ProjectFile { get; }

    private string AccessorPath { get; }

    private string RequestPath { get; }

    [Fact]
    public void Accessor_describes_the_compiled_model_with_every_member()
    {
        _workspace.WriteManifest("""
            input_model: tiny.onnx
            shape: [1, 3, 8, 8]
            mean_values: [0.5, 1.5, 2.5]
            scale_values: 255
            encoding: BGR
            """);

        var result = Run(Request());

        Assert.True(result.ExitCode == 0, result.ToString());
        var compiled = Path.Combine(_workspace.OutputDir, "tiny.onnx");
        var code = File.ReadAllText(AccessorPath);
        string[] expected =
        [
            "namespace App.Ml",
            "public static partial class Models",
            "public sealed class TensorDescription",
            "public sealed partial class Tiny",
            "public const string Name = \"tiny\";",
            "public const string ResourceName = \"App.Models.tiny.onnx\";",
            $"public const string Sha256 = \"{Sha256Digest.ComputeFile(compiled).Hex}\";",
            $"public const long Size = {new FileInfo(compiled).Length}L;",
            "public const string Target = \"onnx\";",
            "public const string Precision = \"FP32\";",
            "new TensorDescription(\"x\", \"float32\", new long[] { 1, 3, 8, 8 }, \"NCHW\", new double[] { 0.5d, 1.5d, 2.5d }, new " +
                "double[] { 255d, 255d, 255d }, \"BGR\", \"RESIZE\"),",
            "new TensorDescription(\"y\", \"float32\", new long[] { -1, 2, 8, 8 }, null, null, null, null, null),",
            "public static global::System.IO.Stream OpenStream() =>",
            "public static byte[] ReadAllBytes()",
            "#if MODELBUILD_ONNXRUNTIME\n",
            "public static global::Microsoft.ML.OnnxRuntime.InferenceSession " +
                "CreateSession(global::Microsoft.ML.OnnxRuntime.SessionOptions? options = null)",
            "return options is null ? new global::Microsoft.ML.OnnxRuntime.InferenceSession(ReadAllBytes()) : new " +
                "global::Microsoft.ML.OnnxRuntime.InferenceSession(ReadAllBytes(), options);",
            "#if MODELBUILD_IMAGING\n",
            "public global::ModelBuild.Imaging.Preprocessing.PreprocessingOptions ImagePreprocessing",
            "#if MODELBUILD_IMAGING && MODELBUILD_ONNXRUNTIME\n",
            "public global::Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float> ToTensor(global::ModelBuild.Imaging.ImageFrame image)",
            "public global::Microsoft.ML.OnnxRuntime.OrtValue ToOrtValue(global::ModelBuild.Imaging.ImageFrame image)",
            "public global::Microsoft.ML.OnnxRuntime.NamedOnnxValue ToNamedOnnxValue(global::ModelBuild.Imaging.ImageFrame image)",
        ];
        Assert.All(expected, line => Assert.Contains(line, code, StringComparison.Ordinal));
        Assert.Equal(code.Count(c => c == '{'), code.Count(c => c == '}'));
        Assert.Equal(Regex.Count(code, "#if "), Regex.Count(code, "#endif"));
        Assert.DoesNotContain('\r', code);
        // ONNX Runtime's names are never imported: they would clash with the app's own (or ModelBuild's) InferenceSession.
        Assert.DoesNotMatch(@"(?m)^\s*using [\w.]+;", code);
    }

    [Fact]
    public void A_model_copied_beside_the_app_gets_its_session_from_the_file_so_external_data_beside_it_is_found()
    {
        var request = Request() with
        {
            Models = [new ModelRequest(
            _workspace.ManifestPath,
            "tiny",
            "onnx",
            "FP32",
            null,
            "App.Models.",
            _workspace.OutputDir,
            Stale: true) { Embed = false }]
        };

        var result = EngineProcess.Run(["compile", "--request", WriteRequest(request)]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var code = File.ReadAllText(AccessorPath);
        Assert.Contains("return options is null ? new global::Microsoft.ML.OnnxRuntime.InferenceSession(FilePath) : new " +
            "global::Microsoft.ML.OnnxRuntime.InferenceSession(FilePath, options);", code, StringComparison.Ordinal);
        Assert.DoesNotContain("ReadAllBytes(), options", code, StringComparison.Ordinal);
    }

    [Fact]
    public void Internal_accessor_without_a_namespace_and_an_up_to_date_model_reused_as_is()
    {
        Assert.Equal(0, Run(Request()).ExitCode);
        var modelWritten = File.GetLastWriteTimeUtc(Path.Combine(_workspace.OutputDir, EngineFiles.Result));
        Directory.Delete(_workspace.CacheDir, recursive: true);

        // Not stale: the engine takes the last model.json, even with the cache gone, and only the accessor changes.
        var result = Run(Request(stale: false, accessor: new AccessorRequest(AccessorPath, "", "Networks", Public: false)));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.StandardOutput);
        Assert.Equal(modelWritten, File.GetLastWriteTimeUtc(Path.Combine(_workspace.OutputDir, EngineFiles.Result)));
        var code = File.ReadAllText(AccessorPath);
        Assert.DoesNotContain("namespace", code, StringComparison.Ordinal);
        Assert.Contains("internal static partial class Networks", code, StringComparison.Ordinal);
        Assert.Contains("internal sealed partial class Tiny", code, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_request_twice_leaves_the_accessor_file_untouched()
    {
        Assert.Equal(0, Run(Request()).ExitCode);
        var written = File.GetLastWriteTimeUtc(AccessorPath);
        var text = File.ReadAllText(AccessorPath);

        var again = Run(Request());

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(text, File.ReadAllText(AccessorPath));
        Assert.Equal(written, File.GetLastWriteTimeUtc(AccessorPath));
    }

    [Fact]
    public void Two_models_of_one_manifest_compile_in_parallel_sharing_their_actions()
    {
        var second = Path.Combine(_workspace.Root, "out", "tiny-copy");
        var request = Request() with
        {
            Models =
            [
                new ModelRequest(_workspace.ManifestPath, "tiny", "onnx", "FP32", null, "App.Models.", _workspace.OutputDir, Stale: true),
                new ModelRequest(_workspace.ManifestPath, "tiny-copy", "onnx", "FP32", null, "App.Models.", second, Stale: true),
            ],
        };

        var result = EngineProcess.Run(["compile", "--request", WriteRequest(request), "--max-parallelism", "2"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.StandardError);
        Assert.Contains("tiny -> onnx FP32: ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("tiny-copy -> onnx FP32: ", result.StandardOutput, StringComparison.Ordinal);
        var run = Regex.Matches(result.StandardOutput, @"(\d+) actions run")
            .Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(2, run);
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(_workspace.OutputDir, "tiny.onnx")),
            File.ReadAllBytes(Path.Combine(second, "tiny-copy.onnx")));
        var code = File.ReadAllText(AccessorPath);
        Assert.Contains("public const string ResourceName = \"App.Models.tiny-copy.onnx\";", code, StringComparison.Ordinal);
        Assert.True(code.IndexOf("public sealed partial class Tiny\n", StringComparison.Ordinal) < code.IndexOf(
            "public sealed partial class TinyCopy\n",
            StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("onxx", "FP32", "ModelTarget", "MB6001")]
    [InlineData("onnx", "FP64", "Precision", "MB6002")]
    [InlineData("rvc2", "FP16-INT8", "Precision", "MB6003")]
    public void Bad_target_or_precision_is_reported_on_its_attribute_in_the_project_file(
        string target,
        string precision,
        string attribute,
        string code)
    {
        var (line, column) = WriteProject(target, precision, attribute);

        var result = Run(Request(target, precision));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"{ProjectFile}({line},{column}): error {code}: ", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        result.AssertNoStackTrace();
        Assert.False(File.Exists(AccessorPath));
        Assert.False(Directory.Exists(_workspace.OutputDir));
    }

    private CompileRequest Request(
        string target = "onnx",
        string precision = "FP32",
        bool stale = true,
        AccessorRequest? accessor = null) => new(
        ProjectFile,
        _workspace.CacheDir,
        CacheSalt: null,
        accessor ?? new AccessorRequest(AccessorPath, "App.Ml", "Models", Public: true),
        [new ModelRequest(
            _workspace.ManifestPath,
            "tiny",
            target,
            precision,
            LogicalName: null,
            "App.Models.",
            _workspace.OutputDir,
            stale)]);

    private EngineResult Run(CompileRequest request) => EngineProcess.Run("compile", "--request", WriteRequest(request));

    /// <summary>Writes the request where the MSBuild task would; returns its path.</summary>
    private string WriteRequest(CompileRequest request)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(RequestPath)!);
        File.WriteAllText(RequestPath, EngineJson.Write(request));
        return RequestPath;
    }

    /// <summary>Writes the project with its ModelReference; returns the 1-based position of <paramref name="attribute"/>.</summary>
    private (int Line, int Column) WriteProject(string target, string precision, string attribute = "ModelTarget")
    {
        string[] lines =
        [
            "<Project Sdk=\"Microsoft.NET.Sdk\">",
            "  <ItemGroup>",
            $"    <ModelReference Include=\"models/tiny.yaml\" ModelTarget=\"{target}\" Precision=\"{precision}\" />",
            "  </ItemGroup>",
            "</Project>",
        ];
        File.WriteAllText(ProjectFile, string.Join("\n", lines) + "\n");
        return (3, lines[2].IndexOf(attribute + "=", StringComparison.Ordinal) + 1);
    }
}
