using ModelBuild.Core.Manifest;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>What <c>modelbuild vendor-compile</c> turns a model and its manifest into, without running a tool.</summary>
public sealed class StandaloneVendorRequestTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public StandaloneVendorRequestTests()
    {
        File.WriteAllBytes(_folder.Combine("m.onnx"), TinyConvNet.Bytes());
        File.WriteAllText(_folder.Combine("m.yaml"), "input_model: m.onnx\nshape: [1, 3, 8, 8]\nmean_values: 127.5\n");
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_request_takes_the_target_precision_tools_and_the_models_output_types()
    {
        var result = Create("rvc2", "FP16", ["compile_tool=/opt/tools/compile_tool"]);

        Assert.DoesNotContain(result.Diagnostics, d => d.IsError);
        var request = Assert.IsType<VendorCompileRequest>(result.Request);
        Assert.Equal(("rvc2", "FP16", "m"), (request.Target.Name, request.Precision.Name, request.ModelName));
        Assert.Equal("/opt/tools/compile_tool", request.ToolPaths["compile_tool"]);
        var output = Assert.Single(request.Outputs);
        Assert.Equal((TinyConvNet.OutputName, TensorDataType.Float32), (output.Name, output.DataType));
        Assert.Equal(new long?[] { 1, 3, 8, 8 }, Assert.Single(request.Inputs).Shape!.Value);
    }

    [Theory]
    [InlineData("onnx", "FP16", "MB6107")]
    [InlineData("rvc2", "FP12", "MB6002")]
    public void A_target_or_precision_the_command_cannot_compile_is_an_error_and_no_request(string target, string precision, string code)
    {
        var result = Create(target, precision, []);

        Assert.Null(result.Request);
        Assert.Equal(code, Assert.Single(result.Diagnostics, d => d.IsError).Code);
    }

    [Fact]
    public void A_malformed_tool_path_is_MB6117_after_the_inputs_resolved()
    {
        var result = Create("rvc2", "FP16", ["compiletool"]);

        Assert.Null(result.Request);
        Assert.Equal("MB6117", Assert.Single(result.Diagnostics, d => d.IsError).Code);
    }

    private StandaloneVendorRequest Create(string target, string precision, string[] tools) => StandaloneVendorRequest.Create(
        _folder.Combine("m.onnx"),
        _folder.Combine("m.yaml"),
        target,
        precision,
        name: null,
        _folder.Combine("work"),
        tools,
        "test");
}
