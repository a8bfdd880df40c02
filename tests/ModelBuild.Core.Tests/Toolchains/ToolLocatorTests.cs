using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Tests.Toolchains;

public sealed class ToolLocatorTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void An_explicit_path_wins_over_the_variable_and_PATH()
    {
        var explicitTool = Executable("a", "mo");
        var variableTool = Executable("b", "mo");
        Executable("c", "mo");
        var environment = new Dictionary<string, string> { ["MODELBUILD_MO"] = variableTool, ["PATH"] = _folder.Combine("c") };

        var found = new ToolLocator(new Dictionary<string, string> { ["mo"] = explicitTool }, environment.GetValueOrDefault).Locate(
            VendorTools.ModelOptimizer,
            "rvc2");

        Assert.Equal(explicitTool, found.Path);
        Assert.Equal(ToolSource.Explicit, found.Source);
    }

    [Fact]
    public void The_environment_variable_wins_over_PATH()
    {
        var variableTool = Executable("b", "compile_tool");
        Executable("c", "compile_tool");
        var environment = new Dictionary<string, string> { ["MODELBUILD_COMPILE_TOOL"] = variableTool, ["PATH"] = _folder.Combine("c") };

        var found = new ToolLocator(null, environment.GetValueOrDefault).Locate(VendorTools.CompileTool, "rvc2");

        Assert.Equal(variableTool, found.Path);
        Assert.Equal(ToolSource.EnvironmentVariable, found.Source);
    }

    [Fact]
    public void PATH_is_searched_in_order_for_an_executable_file()
    {
        var plain = _folder.Combine("a", "snpe-dlc-quant");
        Directory.CreateDirectory(Path.GetDirectoryName(plain)!);
        File.WriteAllText(plain, "not executable");
        var executable = Executable("b", "snpe-dlc-quant");
        Executable("c", "snpe-dlc-quant");
        var path = string.Join(
            Path.PathSeparator,
            _folder.Combine("missing"),
            _folder.Combine("a"),
            _folder.Combine("b"),
            _folder.Combine("c"));

        var found = new ToolLocator(null, name => name == "PATH" ? path : null).Locate(VendorTools.SnpeDlcQuant, "rvc4");

        Assert.Equal(executable, found.Path);
        Assert.Equal(ToolSource.SearchPath, found.Source);
    }

    [Fact]
    public void A_missing_tool_is_MB6101_naming_the_target_the_places_and_how_to_get_it()
    {
        var error = Assert.Throws<ToolNotFoundException>(() =>
            new ToolLocator(null, name => name == "PATH" ? _folder.FullPath : null).Locate(VendorTools.SnpeOnnxToDlc, "rvc4"));

        Assert.Equal("MB6101", error.Diagnostic.Code);
        Assert.Equal(
            "Target 'rvc4' needs snpe-onnx-to-dlc (SNPE's ONNX converter), which was not found. Looked for: MODELBUILD_SNPE_ONNX_TO_DLC " +
                "(not set) and 'snpe-onnx-to-dlc' in the 1 folders of PATH. " + VendorTools.SnpeOnnxToDlc.HowToGet,
            error.Diagnostic.Message);
    }

    [Fact]
    public void An_explicit_path_that_does_not_exist_is_an_error_not_a_fall_back()
    {
        Executable("c", "hailo");
        var error = Assert.Throws<ToolNotFoundException>(() =>
            new ToolLocator(
                new Dictionary<string, string> { ["hailo"] = _folder.Combine("nowhere", "hailo") },
                name => name == "PATH" ? _folder.Combine("c") : null)
                .Locate(VendorTools.Hailo, "hailo"));

        Assert.Equal("MB6101", error.Diagnostic.Code);
        Assert.Contains(
            $"the explicit path '{_folder.Combine("nowhere", "hailo")}' (no such file)",
            error.Diagnostic.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_variable_names_follow_the_tool_names() =>
        Assert.Equal(
            ["MODELBUILD_MODELCONVERTER", "MODELBUILD_MO", "MODELBUILD_COMPILE_TOOL", "MODELBUILD_POT", "MODELBUILD_BSDIFF",
             "MODELBUILD_SNPE_ONNX_TO_DLC", "MODELBUILD_SNPE_DLC_QUANT", "MODELBUILD_SNPE_DLC_GRAPH_PREPARE", "MODELBUILD_HAILO",
             "MODELBUILD_OVC"],
            VendorTools.All.Select(t => t.EnvironmentVariable));

    private string Executable(string folder, string name)
    {
        var path = _folder.Combine(folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }
}
