using System.Diagnostics;
using System.Text.Json;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Tests.Onnx;

/// <summary>
/// The reference implementation as an independent judge: Python's <c>onnx</c> package (Debian's
/// python3-onnx, which eng/test.sh installs). Tests that use it fail, saying what to install, when it is missing.
/// </summary>
internal static class PythonOnnx
{
    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>
    /// Runs <c>onnx.checker.check_model</c> with <c>full_check</c> (which includes strict shape
    /// inference) and returns its complaint, or null when the model passes.
    /// </summary>
    public static string? CheckerComplaint(ModelProto model)
    {
        var (exitCode, output) = RunOnModel(model, """
            import sys, onnx
            try:
                onnx.checker.check_model(sys.argv[1], full_check=True)
            except Exception as e:
                print(type(e).__name__ + ": " + str(e)); sys.exit(3)
            """);
        return exitCode == 0 ? null : output;
    }

    /// <summary>The outputs' shapes after strict shape inference, as dimension strings (<c>"1"</c>, <c>"batch"</c>, <c>"?"</c>).</summary>
    public static Dictionary<string, string[]> InferredOutputShapes(ModelProto model)
    {
        var (exitCode, output) = RunOnModel(model, """
            import sys, json, onnx
            m = onnx.shape_inference.infer_shapes(onnx.load(sys.argv[1]), strict_mode=True)
            def dim(d):
                return str(d.dim_value) if d.HasField("dim_value") else (d.dim_param if d.HasField("dim_param") else "?")
            print(json.dumps({o.name: [dim(d) for d in o.type.tensor_type.shape.dim] for o in m.graph.output}))
            """);
        Assert.True(exitCode == 0, "onnx shape inference failed: " + output);
        return JsonSerializer.Deserialize<Dictionary<string, string[]>>(output)!;
    }

    /// <summary>Runs <paramref name="script"/> with file paths as arguments; returns its exit code and standard output.</summary>
    public static (int ExitCode, string Output) Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.False(
            error.Result.Contains("No module named 'onnx'", StringComparison.Ordinal),
            ModelBuild.Tests.DebianPackage.PythonOnnx.MissingMessage("Python's onnx package"));
        // Standard output alone when it succeeds (it may be JSON); both streams when it fails.
        return (process.ExitCode, process.ExitCode == 0 ? output.Trim() : (output + error.Result).Trim());
    }

    private static (int ExitCode, string Output) RunOnModel(ModelProto model, string script)
    {
        var path = Path.Combine(Path.GetTempPath(), $"modelbuild-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, OnnxModelFile.Write(model));
            return Run(script, path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
