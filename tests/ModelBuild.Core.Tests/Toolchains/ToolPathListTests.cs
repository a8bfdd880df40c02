using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Tests.Toolchains;

public sealed class ToolPathListTests
{
    private static readonly string Project = Path.Combine(Path.GetTempPath(), "project");

    [Fact]
    public void Entries_name_known_tools_and_relative_paths_are_relative_to_the_base_folder()
    {
        var paths = ToolPathList.Parse(" mo = tools/mo ;compile_tool=/opt/intel/compile_tool;;", Project);

        Assert.Equal(Path.Combine(Project, "tools", "mo"), paths["mo"]);
        Assert.Equal(Path.GetFullPath("/opt/intel/compile_tool"), paths["compile_tool"]);
        Assert.Equal(2, paths.Count);
    }

    [Fact]
    public void The_converters_to_onnx_are_known_tools_too()
    {
        var paths = ToolPathList.Parse(
            "python3=/opt/py/bin/python3;paddle2onnx=bin/paddle2onnx;pytorch_to_onnx.py=omz/pytorch_to_onnx.py",
            Project);

        Assert.Equal(Path.GetFullPath("/opt/py/bin/python3"), paths["python3"]);
        Assert.Equal(Path.Combine(Project, "bin", "paddle2onnx"), paths["paddle2onnx"]);
        Assert.Equal(Path.Combine(Project, "omz", "pytorch_to_onnx.py"), paths["pytorch_to_onnx.py"]);
    }

    [Theory]
    [InlineData("compile_tool")]
    [InlineData("=/opt/mo")]
    [InlineData("mo=")]
    [InlineData("compiletool=/opt/compile_tool")]
    public void A_malformed_entry_or_an_unknown_tool_is_MB6117(string entry)
    {
        var error = Assert.Throws<DiagnosticException>(() => ToolPathList.Parse("mo=/opt/mo;" + entry, Project));

        Assert.Equal("MB6117", error.Diagnostic.Code);
        Assert.Contains($"'{entry}'", error.Diagnostic.Message, StringComparison.Ordinal);
    }
}
